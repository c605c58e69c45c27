import { SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { startTelemetry, type TelemetryHandle } from './start-telemetry.js';
import { withSpan } from './with-span.js';

describe('withSpan', () => {
  let exporter: InMemorySpanExporter;
  let telemetry: TelemetryHandle;

  beforeEach(() => {
    exporter = new InMemorySpanExporter(); // shutdown() stops the exporter with the SDK
    telemetry = startTelemetry({ serviceName: 'with-span-test', exporter, spanProcessor: 'simple' });
  });

  afterEach(async () => {
    await telemetry.shutdown();
  });

  // Resource detection (host, process) is asynchronous, so even the simple processor exports a moment later.
  const finished = async () => {
    await telemetry.forceFlush();
    return exporter.getFinishedSpans();
  };

  it('returns the value of a sync function and records one ended span with its attributes', async () => {
    const value = withSpan('sync work', { 'rb.k': 3 }, () => 42);

    expect(value).toBe(42);
    const spans = await finished();
    expect(spans).toHaveLength(1);
    expect(spans[0]).toMatchObject({ name: 'sync work', attributes: { 'rb.k': 3 }, ended: true });
    expect(spans[0]!.status.code).toBe(SpanStatusCode.UNSET);
    expect(spans[0]!.resource.attributes['service.name']).toBe('with-span-test');
  });

  it('rethrows a sync error unchanged and marks the span failed', async () => {
    const error = new TypeError('bad input');
    expect(() =>
      withSpan('sync failure', {}, () => {
        throw error;
      }),
    ).toThrow(error);

    const [span] = await finished();
    expect(span!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'bad input' });
    expect(span!.attributes['error.type']).toBe('TypeError');
    expect(span!.events.map((e) => e.name)).toEqual(['exception']);
    expect(span!.events[0]!.attributes?.['exception.message']).toBe('bad input');
  });

  it('ends an async span only when its promise resolves', async () => {
    let release!: (v: string) => void;
    let span!: Span;
    const pending = withSpan('async work', {}, (s) => {
      span = s;
      return new Promise<string>((resolve) => (release = resolve));
    });

    await new Promise((r) => setTimeout(r, 5));
    expect(span.isRecording()).toBe(true);
    release('done');

    await expect(pending).resolves.toBe('done');
    expect(span.isRecording()).toBe(false);
    expect((await finished()).map((s) => s.name)).toEqual(['async work']);
  });

  it('records an async rejection, using the error code as error.type, and rejects with the same error', async () => {
    const error = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    await expect(withSpan('async failure', {}, async () => Promise.reject(error))).rejects.toBe(error);

    const [span] = await finished();
    expect(span!.status.code).toBe(SpanStatusCode.ERROR);
    expect(span!.attributes['error.type']).toBe('ECONNRESET');
  });

  it('records a non-Error throw as error.type _OTHER', async () => {
    expect(() =>
      withSpan('odd failure', {}, () => {
        throw 'plain string';
      }),
    ).toThrow('plain string');
    expect((await finished())[0]!.attributes['error.type']).toBe('_OTHER');
  });

  it('makes the span active, so nested spans become its children across awaits', async () => {
    await withSpan('parent', {}, async (parent) => {
      expect(trace.getActiveSpan()).toBe(parent);
      await new Promise((r) => setTimeout(r, 1));
      await withSpan('child', {}, async () => undefined, { kind: SpanKind.CLIENT });
    });

    const spans = await finished();
    const parent = spans.find((s) => s.name === 'parent')!;
    const child = spans.find((s) => s.name === 'child')!;
    expect(child.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(child.kind).toBe(SpanKind.CLIENT);
  });

  it('exports the span once even when the function ends it too', async () => {
    withSpan('double end', {}, (span) => span.end());
    expect(await finished()).toHaveLength(1);
  });
});

describe('withSpan without a started SDK', () => {
  it('still runs the function and returns its value', async () => {
    expect(withSpan('noop', {}, () => 'x')).toBe('x');
    await expect(withSpan('noop async', {}, async () => 'y')).resolves.toBe('y');
  });
});
