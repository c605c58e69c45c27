import type { tracing } from '@opentelemetry/sdk-node';

type ReadableSpan = tracing.ReadableSpan;
type ExportResult = Parameters<Parameters<tracing.SpanExporter['export']>[1]>[0];
const SUCCESS = 0; // ExportResultCode.SUCCESS

/** Spans handed to the exporter, by outcome. */
export interface ExportStatistics {
  /** Spans the receiver acknowledged. */
  exportedSpans: number;
  /** Spans whose export failed (receiver unreachable, refused, too slow); they are not retried. */
  failedSpans: number;
}

/**
 * Wraps the exporter of `startTelemetry` so that a missing or failing receiver never breaks the app: the first failure
 * is reported once on stderr, every failure is counted, and the span processor is told the export is done (it could
 * not do anything else with the spans), so `forceFlush()` and `shutdown()` resolve.
 *
 * Once shutdown begins, the last spans go through a second exporter whose deadline is what remains of the shutdown
 * budget: an absent collector then costs about a second at exit, not the ~8 s of retries of the regular deadline.
 */
export class GuardedExporter implements tracing.SpanExporter {
  readonly statistics: ExportStatistics = { exportedSpans: 0, failedSpans: 0 };
  readonly #create: (timeoutMillis: number) => tracing.SpanExporter;
  readonly #describe: string;
  readonly #warn: (message: string) => void;
  readonly #regular: tracing.SpanExporter;
  #final: tracing.SpanExporter | undefined;
  #shutdownDeadline: number | undefined;
  #warned = false;

  constructor(options: {
    /** Makes the real exporter with an export deadline in milliseconds. */
    create: (timeoutMillis: number) => tracing.SpanExporter;
    timeoutMillis: number;
    /** Where spans go, for the warning (never with secrets). */
    describe: string;
    warn: (message: string) => void;
  }) {
    this.#create = options.create;
    this.#describe = options.describe;
    this.#warn = options.warn;
    this.#regular = options.create(options.timeoutMillis);
  }

  /** From now on, exports must finish by `deadline` (a `Date.now()` time). */
  beginShutdown(deadline: number): void {
    this.#shutdownDeadline ??= deadline;
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    const exporter = this.#shutdownDeadline === undefined ? this.#regular : this.#finalExporter(this.#shutdownDeadline);
    exporter.export(spans, (result) => {
      if (result.code === SUCCESS) {
        this.statistics.exportedSpans += spans.length;
      } else {
        this.statistics.failedSpans += spans.length;
        this.#warnOnce(spans.length, result.error);
      }
      resultCallback({ code: SUCCESS });
    });
  }

  async forceFlush(): Promise<void> {
    await this.#regular.forceFlush?.();
  }

  async shutdown(): Promise<void> {
    await Promise.all([this.#regular.shutdown(), this.#final?.shutdown()]);
  }

  #finalExporter(deadline: number): tracing.SpanExporter {
    this.#final ??= this.#create(Math.max(1, deadline - Date.now()));
    return this.#final;
  }

  #warnOnce(count: number, error: Error | undefined): void {
    if (this.#warned) return;
    this.#warned = true;
    const reason = describeFailure(error);
    this.#warn(
      `[@rb/telemetry] could not export ${count} span(s) to ${this.#describe}${reason ? ` (${reason})` : ''}; ` +
        'spans that cannot be delivered are dropped, and further failures are not reported. Start an OTLP receiver ' +
        "there, set `endpoint` (or OTEL_EXPORTER_OTLP_ENDPOINT), or use exporter: 'console' or 'none'.\n",
    );
  }
}

function describeFailure(error: Error | undefined): string {
  if (error === undefined) return '';
  const code = (error as { code?: unknown }).code;
  const text = typeof code === 'string' ? code : error.message;
  // A receiver's error text can be long; one line is enough.
  return text.split('\n')[0]!.slice(0, 200);
}
