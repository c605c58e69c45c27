// `@rb/telemetry/sdk`: for apps. Needs the OpenTelemetry SDK packages (optional peer dependencies of this package).
export { startTelemetry, getStatistics } from './start-telemetry.js';
export type { TelemetryHandle } from './start-telemetry.js';
export type { TelemetryOptions, TraceExporterKind } from './start-telemetry-options.js';
export type { TelemetryStatistics } from './statistics.js';
export { StderrSpanExporter } from './stderr-span-exporter.js';
