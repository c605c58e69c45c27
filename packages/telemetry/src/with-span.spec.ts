import { SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { tracing } from '@opentelemetry/sdk-node';
import { createInstrumentation } from './instrumentation.js';
import { startTelemetry, type TelemetryHandle } from './start-telemetry.js';
import { NON_RECORDING_SPAN } from './with-span.js';
import { withSpan } from './instrumentation.js';

const pkg = createInstrumentation({ name: '@example/agent', version: '1.2.3' });

describe('Instrumentation.withSpan with an SDK', () => {
  let exporter: tracing.InMemorySpanExporter;
  let telemetry: TelemetryHandle;

  beforeEach(() => {
    exporter = new tracing.InMemorySpanExporter(); // shutdown() stops the exporter with the SDK
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

  it("records one ended span in the package's own scope, with its attributes, and returns fn's value", async () => {
    const value = pkg.withSpan('sync work', { 'rb.k': 3 }, () => 42);

    expect(value).toBe(42);
    const spans = await finished();
    expect(spans).toHaveLength(1);
    expect(spans[0]).toMatchObject({ name: 'sync work', attributes: { 'rb.k': 3 }, ended: true });
    expect(spans[0]!.instrumentationScope).toMatchObject({ name: '@example/agent', version: '1.2.3' });
    expect(spans[0]!.status.code).toBe(SpanStatusCode.UNSET);
    expect(spans[0]!.resource.attributes['service.name']).toBe('with-span-test');
  });

  it('rethrows a sync error unchanged and marks the span failed', async () => {
    const error = new TypeError('bad input');
    expect(() =>
      pkg.withSpan('sync failure', {}, () => {
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
    const pending = pkg.withSpan('async work', {}, (s) => {
      span = s;
      return new Promise<string>((resolve) => (release = resolve));
    });

    await new Promise((r) => setImmediate(r));
    expect(span.isRecording()).toBe(true);
    release('done');

    await expect(pending).resolves.toBe('done');
    expect(span.isRecording()).toBe(false);
    expect((await finished()).map((s) => s.name)).toEqual(['async work']);
  });

  it('records an async rejection, using the error code as error.type, and rejects with the same error', async () => {
    const error = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    await expect(pkg.withSpan('async failure', {}, async () => Promise.reject(error))).rejects.toBe(error);

    const [span] = await finished();
    expect(span!.status.code).toBe(SpanStatusCode.ERROR);
    expect(span!.attributes['error.type']).toBe('ECONNRESET');
  });

  it('records a non-Error throw as error.type _OTHER', async () => {
    expect(() =>
      pkg.withSpan('odd failure', {}, () => {
        throw 'plain string';
      }),
    ).toThrow('plain string');
    expect((await finished())[0]!.attributes['error.type']).toBe('_OTHER');
  });

  it('makes the span active, so nested spans of other packages become its children across awaits', async () => {
    const other = createInstrumentation({ name: '@example/store', version: '0.0.1' });
    await pkg.withSpan('parent', {}, async (parent) => {
      expect(trace.getActiveSpan()).toBe(parent);
      await new Promise((r) => setImmediate(r));
      await other.withSpan('child', {}, async () => undefined, { kind: SpanKind.CLIENT });
    });

    const spans = await finished();
    const parent = spans.find((s) => s.name === 'parent')!;
    const child = spans.find((s) => s.name === 'child')!;
    expect(child.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(child.kind).toBe(SpanKind.CLIENT);
    expect(child.instrumentationScope.name).toBe('@example/store');
    expect(parent.instrumentationScope.name).toBe('@example/agent');
  });

  it('exports the span once even when the function ends it too', async () => {
    pkg.withSpan('double end', {}, (span) => span.end());
    expect(await finished()).toHaveLength(1);
  });

  it('standalone withSpan uses the tracer it is given, else the @rb/telemetry scope', async () => {
    withSpan('given', {}, () => undefined, { tracer: pkg.tracer });
    withSpan('default', {}, () => undefined);
    const scopes = Object.fromEntries((await finished()).map((s) => [s.name, s.instrumentationScope.name]));
    expect(scopes).toEqual({ given: '@example/agent', default: '@rb/telemetry' });
  });
});

describe('createInstrumentation', () => {
  it.each([
    [undefined, 'name'],
    [{}, 'name'],
    [{ name: '' }, 'name'],
    [{ name: '@x/y', version: 1 }, 'version'],
    [{ name: '@x/y', versoin: '1' }, 'versoin'],
  ])('refuses the scope %j with a TelemetryError naming %s', (scope, field) => {
    expect(() => createInstrumentation(scope as never)).toThrow(expect.objectContaining({ name: 'TelemetryError', code: 'INVALID_OPTIONS', field }));
  });
});

describe('Instrumentation.withSpan without an SDK', () => {
  it('creates no span, runs the function and returns its value', async () => {
    expect(pkg.isTracing).toBe(false);
    let seen: Span | undefined;
    expect(pkg.withSpan('noop', {}, (span) => ((seen = span), 'x'))).toBe('x');
    expect(seen).toBe(NON_RECORDING_SPAN);
    expect(seen!.isRecording()).toBe(false);
    await expect(pkg.withSpan('noop async', {}, async () => 'y')).resolves.toBe('y');
    expect(() =>
      pkg.withSpan('noop throw', {}, () => {
        throw new RangeError('kept');
      }),
    ).toThrow(RangeError);
  });

  it('starts recording when an SDK is registered after the package was loaded, and stops when it shuts down', async () => {
    const late = createInstrumentation({ name: '@example/late', version: '1.0.0' });
    late.withSpan('before', {}, () => undefined);
    const exporter = new tracing.InMemorySpanExporter();
    const telemetry = startTelemetry({ exporter, spanProcessor: 'simple' });
    expect(late.isTracing).toBe(true);
    late.withSpan('during', {}, () => undefined);
    await telemetry.forceFlush();
    const names = exporter.getFinishedSpans().map((s) => s.name);
    await telemetry.shutdown();
    expect(names).toEqual(['during']);
    expect(late.isTracing).toBe(false);
    late.withSpan('after', {}, () => undefined); // no provider, no error
  });
});
