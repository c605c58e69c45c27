import type { HrTime } from '@opentelemetry/api';
import type { tracing } from '@opentelemetry/sdk-node';

type ReadableSpan = tracing.ReadableSpan;
type ExportCallback = Parameters<tracing.SpanExporter['export']>[1];
const SUCCESS = 0; // ExportResultCode.SUCCESS of @opentelemetry/core

/**
 * The `console` exporter: one JSON line per span on stderr. Not the SDK's ConsoleSpanExporter, which writes to stdout,
 * the channel an MCP stdio server uses for its protocol.
 */
export class StderrSpanExporter implements tracing.SpanExporter {
  constructor(private readonly write: (line: string) => void = (line) => process.stderr.write(line)) {}

  export(spans: ReadableSpan[], resultCallback: ExportCallback): void {
    for (const span of spans) {
      const context = span.spanContext();
      this.write(
        JSON.stringify({
          traceId: context.traceId,
          spanId: context.spanId,
          parentSpanId: span.parentSpanContext?.spanId,
          name: span.name,
          scope: span.instrumentationScope.name,
          kind: span.kind,
          startUs: microseconds(span.startTime),
          durationUs: microseconds(span.duration),
          status: span.status,
          attributes: span.attributes,
          events: span.events.map((e) => ({ name: e.name, attributes: e.attributes })),
        }) + '\n',
      );
    }
    resultCallback({ code: SUCCESS });
  }

  async shutdown(): Promise<void> {
    // Each span is written when exported; nothing is buffered.
  }
}

function microseconds([seconds, nanos]: HrTime): number {
  return seconds * 1e6 + Math.round(nanos / 1e3);
}
