import {
  SpanKind,
  metrics,
  trace,
  type Attributes,
  type Meter,
  type MeterProvider,
  type Span,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import { OptionReader } from '@rb/errors';
import { invalidOption } from './errors.js';
import { VERSION } from './version.js';
import { NON_RECORDING_SPAN, runInSpan, type StandaloneWithSpanOptions, type WithSpanOptions } from './with-span.js';

/** Who records: the instrumentation scope every span and metric of one package carries. */
export interface InstrumentationScope {
  /** The package name, e.g. `'@rb/cache'`. */
  readonly name: string;
  /** The package version, e.g. `'0.1.0'`. */
  readonly version?: string;
  /** Schema URL of the semantic conventions the package follows. Defaults to none. */
  readonly schemaUrl?: string;
}

// ProxyTracerProvider.getDelegateTracer (public API) answers `undefined` while no SDK is registered, which is how the
// fast path tells "nobody listens" without creating a span. Duck-typed: another copy of the API has other classes.
type MaybeProxy = TracerProvider & {
  getDelegateTracer?: (name: string, version?: string, options?: { schemaUrl?: string }) => Tracer | undefined;
};

// Every instrumentation of every copy of this package, so `refreshInstruments()` can create their instruments on a
// provider started after them (the metrics API has no proxy: an instrument made on the no-op provider stays a no-op).
const REGISTRY = Symbol.for('@rb/telemetry.instrumentations');
type Refreshable = { refresh(): void };
const registry: Set<WeakRef<Refreshable>> = ((globalThis as Record<symbol, unknown>)[REGISTRY] ??= new Set()) as Set<
  WeakRef<Refreshable>
>;

/**
 * One package's telemetry: its tracer and meter under its own scope name and version, its own instruments, and
 * `withSpan`. Create one per package, at module level, with {@link createInstrumentation}.
 *
 * Tracer, meter and instruments are looked up on the current global providers, so an SDK started (or restarted) after
 * the package was imported is picked up; while no tracer provider is registered, `withSpan` creates no span at all.
 */
export class Instrumentation<I extends object = Record<string, never>> {
  readonly scope: InstrumentationScope;
  readonly #define: ((meter: Meter) => I) | undefined;
  readonly #options: { schemaUrl?: string } | undefined;
  #tracerProvider: TracerProvider | undefined;
  #tracer: Tracer | undefined;
  #meterProvider: MeterProvider | undefined;
  #instruments: I | undefined;
  readonly #byMeterProvider = new WeakMap<MeterProvider, I>();

  /** Throws `TelemetryError` (`INVALID_OPTIONS`) for a scope without a name, or a `define` that is not a function. */
  constructor(scope: InstrumentationScope, define?: (meter: Meter) => I) {
    const read: OptionReader = new OptionReader(scope, ['name', 'version', 'schemaUrl'], invalidOption);
    if (scope === undefined) read.fail('name', 'a package name', undefined);
    const name = read.string('name', undefined);
    if (name === undefined) read.fail('name', 'a package name', undefined);
    const version = read.string('version', undefined);
    const schemaUrl = read.string('schemaUrl', undefined);
    if (define !== undefined && typeof define !== 'function') throw invalidOption('define', 'define must be a function');
    this.scope = Object.freeze({ name, version, schemaUrl });
    this.#define = define;
    this.#options = schemaUrl === undefined ? undefined : { schemaUrl };
    registry.add(new WeakRef(this));
  }

  /** This scope's tracer on the global tracer provider (a no-op tracer while none is registered). */
  get tracer(): Tracer {
    return this.#activeTracer() ?? trace.getTracerProvider().getTracer(this.scope.name, this.scope.version, this.#options);
  }

  /** This scope's meter on the global meter provider. Prefer `instruments`, created once per provider. */
  get meter(): Meter {
    return metrics.getMeterProvider().getMeter(this.scope.name, this.scope.version, this.#options);
  }

  /** The instruments `define` made on this scope's meter, created once per global meter provider. */
  get instruments(): I {
    const provider = metrics.getMeterProvider();
    if (provider === this.#meterProvider) return this.#instruments!;
    let found = this.#byMeterProvider.get(provider);
    if (found === undefined) {
      found = this.#define?.(provider.getMeter(this.scope.name, this.scope.version, this.#options)) ?? ({} as I);
      this.#byMeterProvider.set(provider, found);
    }
    this.#meterProvider = provider;
    this.#instruments = found;
    return found;
  }

  /** Whether spans are recorded: a tracer provider is registered. */
  get isTracing(): boolean {
    return this.#activeTracer() !== undefined;
  }

  /**
   * Runs `fn` in a new active span of this scope and ends the span exactly once, when `fn` returns or its promise
   * settles; a throw or rejection is recorded on the span (exception event, `error.type`, status ERROR) and rethrown
   * unchanged. While no tracer provider is registered it only calls `fn` (with a span that records nothing).
   */
  withSpan<T>(name: string, attributes: Attributes | undefined, fn: (span: Span) => T, options?: WithSpanOptions): T {
    const tracer = this.#activeTracer();
    if (tracer === undefined) return fn(NON_RECORDING_SPAN);
    return runInSpan(tracer, name, attributes, options?.kind ?? SpanKind.INTERNAL, fn);
  }

  /** Creates the instruments on the current global meter provider now (observable ones start reporting). */
  refresh(): void {
    void this.instruments;
  }

  #activeTracer(): Tracer | undefined {
    const provider = trace.getTracerProvider();
    if (provider === this.#tracerProvider && this.#tracer !== undefined) return this.#tracer;
    // A new provider, or the API's proxy still without an SDK: ask again (cheap: a property read on the proxy).
    const proxy = provider as MaybeProxy;
    const tracer =
      typeof proxy.getDelegateTracer === 'function'
        ? proxy.getDelegateTracer(this.scope.name, this.scope.version, this.#options)
        : provider.getTracer(this.scope.name, this.scope.version, this.#options);
    this.#tracerProvider = provider;
    this.#tracer = tracer;
    return tracer;
  }
}

/**
 * Creates a package's telemetry: `createInstrumentation({ name: '@rb/x', version }, (meter) => ({ ... }))`.
 * `define` creates the package's instruments on the meter it is given; it runs again for each meter provider.
 */
export function createInstrumentation<I extends object = Record<string, never>>(
  scope: InstrumentationScope,
  define?: (meter: Meter) => I,
): Instrumentation<I> {
  return new Instrumentation(scope, define);
}

/**
 * Creates every `@rb` package's instruments on the current global meter provider. `startTelemetry` calls it; call it
 * yourself after starting an OpenTelemetry SDK of your own, so that observable instruments (cache counters) of objects
 * created before report too.
 */
export function refreshInstruments(): void {
  for (const ref of registry) {
    const instrumentation = ref.deref();
    if (instrumentation === undefined) registry.delete(ref);
    else instrumentation.refresh();
  }
}

const ownScope = new Instrumentation({ name: '@rb/telemetry', version: VERSION });

/**
 * Runs `fn` in a new active span; see `Instrumentation.withSpan`. Without `options.tracer` the span belongs to the
 * `@rb/telemetry` scope: a package should use its own `instrumentation.withSpan` instead.
 */
export function withSpan<T>(
  name: string,
  attributes: Attributes | undefined,
  fn: (span: Span) => T,
  options?: StandaloneWithSpanOptions,
): T {
  const tracer = options?.tracer;
  if (tracer === undefined) return ownScope.withSpan(name, attributes, fn, options);
  return runInSpan(tracer, name, attributes, options?.kind ?? SpanKind.INTERNAL, fn);
}
