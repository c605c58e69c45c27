import type { ConnectionOptions } from 'node:tls';
import { OptionReader, refuseRenamedOptions, type InvalidOptionFactory } from '@rb/errors';
import { HttpPoolError } from './errors.js';
import { checkHeaders } from './headers.js';
import type { Layer } from './layer.js';

/** Backoff between attempts. */
export interface RetryOptions {
  /** Ceiling of the first backoff, in ms; each retry doubles it (full jitter draws below it). Defaults to `500`. */
  baseDelayMs?: number;
  /** Largest backoff ceiling, in ms. Defaults to `8000`. */
  maxDelayMs?: number;
  /**
   * Longest `Retry-After` / `retry-after-ms` the pool waits for, in ms. A response asking for more fails at once
   * (a quota reset an hour away is not worth holding a request open). Defaults to `60000`.
   */
  maxRetryAfterMs?: number;
}

/** Where user layers go in the pool's stack: `span > deadline > request layers > retry > attempt layers > undici`. */
export interface LayerOptions {
  /**
   * Run once per logical request, inside its span and deadline, outside the retries: a concurrency limit, a
   * per-request log. Defaults to none.
   */
  request?: readonly Layer[];
  /** Run around every attempt, inside the retries: rate limiting per call sent, auth headers. Defaults to none. */
  attempt?: readonly Layer[];
}

/**
 * Options of {@link APIConnectionPool}. Every duration is in milliseconds and says so in its name; values below
 * {@link MIN_DURATION_MS} (one second) are refused, as surely meant in seconds (the seed's `timeout=120` is
 * `timeoutMs: 120000`).
 */
export interface APIConnectionPoolOptions {
  /** Most connections kept open per origin (scheme + host + port); more requests wait in a queue. Defaults to `10`. */
  poolSize?: number;
  /** Retries after the first attempt, for failures the retry policy allows. Defaults to `3`. */
  maxRetries?: number;
  /** Deadline of one logical request, all attempts, backoff waits and a streamed body included. Defaults to `120000`. */
  timeoutMs?: number;
  /** Time to open a connection (TCP + TLS), per attempt. Defaults to `10000`. */
  connectTimeoutMs?: number;
  /**
   * Time from sending a request to receiving the response headers, per attempt. A non-streaming LLM call generates
   * its whole answer first, so this is long by default. Defaults to `timeoutMs`.
   */
  headersTimeoutMs?: number;
  /** Longest silence between two chunks of a response body. Defaults to `timeoutMs`. */
  bodyTimeoutMs?: number;
  /** How long an idle connection stays open for reuse, at most 600000. Defaults to `4000` (undici's). */
  keepAliveTimeoutMs?: number;
  /** Bytes of an error response body kept in {@link HttpError.responseBody}. Defaults to `4096`. */
  maxErrorBodyBytes?: number;
  /** Backoff settings. Defaults to `{ baseDelayMs: 500, maxDelayMs: 8000, maxRetryAfterMs: 60000 }`. */
  retry?: RetryOptions;
  /** TLS settings for `https:` origins, e.g. `{ ca }` for a private certificate authority. Defaults to Node's. */
  tls?: Pick<ConnectionOptions, 'ca' | 'cert' | 'key' | 'rejectUnauthorized' | 'servername'>;
  /** Headers sent with every request; a request's own headers win. Defaults to none. */
  headers?: Record<string, string>;
  /** Your own layers (concurrency limits, rate limits, auth), see {@link LayerOptions}. Defaults to none. */
  layers?: LayerOptions;
  /**
   * `false`: this pool makes no span and no `rb.api.call.duration` measurement even when an OpenTelemetry SDK is
   * started (each costs CPU per request: see the README's benchmark). Defaults to `true`.
   */
  telemetry?: boolean;
  /** Uniform random number in [0, 1) for the backoff jitter; inject for tests. Defaults to `Math.random`. */
  random?: () => number;
  /** Waits `ms` before a retry; must reject when `signal` aborts. Inject for tests. Defaults to a timer. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Wall clock in ms, used to turn a `Retry-After` date into a wait. Defaults to `Date.now`. */
  now?: () => number;
}

/** Smallest duration option accepted, in ms: anything shorter is surely a number of seconds. */
export const MIN_DURATION_MS = 1000;
/** Largest deadline or timeout accepted, in ms (one day); larger is surely another unit. */
export const MAX_DURATION_MS = 86_400_000;
const MAX_KEEP_ALIVE_MS = 600_000;

export const DURATION_OPTIONS = ['timeoutMs', 'connectTimeoutMs', 'headersTimeoutMs', 'bodyTimeoutMs', 'keepAliveTimeoutMs'] as const;

const OPTION_NAMES = [
  'poolSize',
  'maxRetries',
  ...DURATION_OPTIONS,
  'maxErrorBodyBytes',
  'retry',
  'tls',
  'headers',
  'layers',
  'telemetry',
  'random',
  'sleep',
  'now',
];

const SEED_TIMEOUT = "the seed's timeout=120 (seconds) is timeoutMs: 120000";

/** Duration options without their unit, refused with advice instead of being read as milliseconds or seconds. */
export const RENAMED_DURATIONS: Readonly<Record<string, string>> = {
  timeout: `durations are in milliseconds and say so: use timeoutMs (${SEED_TIMEOUT})`,
  connectTimeout: `durations are in milliseconds and say so: use connectTimeoutMs (${SEED_TIMEOUT})`,
  headersTimeout: `durations are in milliseconds and say so: use headersTimeoutMs (${SEED_TIMEOUT})`,
  bodyTimeout: `durations are in milliseconds and say so: use bodyTimeoutMs (${SEED_TIMEOUT})`,
  keepAliveTimeout: `durations are in milliseconds and say so: use keepAliveTimeoutMs (${SEED_TIMEOUT})`,
  pool_size: 'use poolSize',
  max_retries: 'use maxRetries',
};

/** Options with every default applied. */
export interface ResolvedPoolOptions {
  poolSize: number;
  maxRetries: number;
  timeoutMs: number;
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxErrorBodyBytes: number;
  baseDelayMs: number;
  maxDelayMs: number;
  maxRetryAfterMs: number;
  tls: Pick<ConnectionOptions, 'ca' | 'cert' | 'key' | 'rejectUnauthorized' | 'servername'>;
  headers: Readonly<Record<string, string>>;
  requestLayers: readonly Layer[];
  attemptLayers: readonly Layer[];
  telemetry: boolean;
  random: () => number;
  sleep: ((ms: number, signal: AbortSignal) => Promise<void>) | undefined;
  now: () => number;
}

const invalidOption: InvalidOptionFactory = (field, message) => new HttpPoolError({ code: 'INVALID_OPTIONS', field, message });

/** Reads one duration in ms, refusing values below one second with advice about the unit. */
export function readDuration(read: OptionReader, key: string, fallback: number, max = MAX_DURATION_MS): number {
  const value = read.raw(key);
  if (typeof value === 'number' && value > 0 && value < MIN_DURATION_MS) {
    read.fail(key, `a number of milliseconds from ${MIN_DURATION_MS} to ${max} (${value} ms is surely ${value} seconds: ${value * 1000})`, value);
  }
  return read.number(key, { default: fallback, min: MIN_DURATION_MS, max });
}

export function resolvePoolOptions(options: unknown): ResolvedPoolOptions {
  refuseRenamedOptions(options, RENAMED_DURATIONS, invalidOption);
  const read = new OptionReader(options, OPTION_NAMES, invalidOption);
  const timeoutMs = readDuration(read, 'timeoutMs', 120_000);
  const retry = read.nested('retry', ['baseDelayMs', 'maxDelayMs', 'maxRetryAfterMs']);
  const tls = read.nested('tls', ['ca', 'cert', 'key', 'rejectUnauthorized', 'servername']);
  const layers = read.nested('layers', ['request', 'attempt']);
  tls.boolean('rejectUnauthorized', undefined);
  tls.string('servername', undefined);
  return {
    poolSize: read.integer('poolSize', { default: 10, min: 1, max: 10_000 }),
    maxRetries: read.integer('maxRetries', { default: 3, min: 0, max: 100 }),
    timeoutMs,
    connectTimeoutMs: readDuration(read, 'connectTimeoutMs', 10_000),
    headersTimeoutMs: readDuration(read, 'headersTimeoutMs', timeoutMs),
    bodyTimeoutMs: readDuration(read, 'bodyTimeoutMs', timeoutMs),
    keepAliveTimeoutMs: readDuration(read, 'keepAliveTimeoutMs', 4_000, MAX_KEEP_ALIVE_MS),
    maxErrorBodyBytes: read.integer('maxErrorBodyBytes', { default: 4096, min: 0, max: 1 << 20 }),
    baseDelayMs: retry.number('baseDelayMs', { default: 500, min: 0, max: MAX_DURATION_MS }),
    maxDelayMs: retry.number('maxDelayMs', { default: 8_000, min: 0, max: MAX_DURATION_MS }),
    maxRetryAfterMs: retry.number('maxRetryAfterMs', { default: 60_000, min: 0, max: MAX_DURATION_MS }),
    tls: (read.raw('tls') ?? {}) as ResolvedPoolOptions['tls'],
    headers: checkHeaders(read.raw('headers'), 'headers', invalidOption),
    requestLayers: readLayers(layers, 'request'),
    attemptLayers: readLayers(layers, 'attempt'),
    telemetry: read.boolean('telemetry', true),
    random: read.function('random', Math.random),
    sleep: read.function<NonNullable<ResolvedPoolOptions['sleep']>, undefined>('sleep', undefined),
    now: read.function('now', Date.now),
  };
}

function readLayers(read: OptionReader, key: string): readonly Layer[] {
  const value = read.raw(key);
  if (value === undefined) return [];
  if (!Array.isArray(value)) read.fail(key, 'an array of layers, (next) => (request, context) => Promise<HttpResponse>', value);
  value.forEach((layer, i) => {
    if (typeof layer !== 'function') read.fail(`${key}[${i}]`, 'a layer, (next) => (request, context) => Promise<HttpResponse>', layer);
  });
  return [...(value as Layer[])];
}
