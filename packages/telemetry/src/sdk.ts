// `@rb/telemetry/sdk`: for apps. Needs `@opentelemetry/sdk-node` (the optional peer dependency of this package).
export { startTelemetry, getStatistics } from './start-telemetry.js';
export type { TelemetryHandle } from './start-telemetry.js';
export type { TelemetryOptions, TraceExporterKind, OtlpProtocol } from './start-telemetry-options.js';
export type { TelemetryStatistics } from './statistics.js';
export type { ExportStatistics } from './guarded-exporter.js';
export { StderrSpanExporter } from './stderr-span-exporter.js';
