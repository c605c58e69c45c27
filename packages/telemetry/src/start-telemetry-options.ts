import type { Attributes, AttributeValue } from '@opentelemetry/api';
import type { metrics as sdkMetrics, tracing } from '@opentelemetry/sdk-node';
import { OptionReader, describeValue } from '@rb/errors';
import { invalidOption } from './errors.js';

/** Where finished spans go. */
export type TraceExporterKind = 'otlp' | 'console' | 'none';
/** OTLP/HTTP encodings. */
export type OtlpProtocol = 'http/protobuf' | 'http/json';

/**
 * Options of `startTelemetry`. Every field is optional; an option that is not given falls back to the standard
 * `OTEL_*` environment variable, then to the default stated here.
 */
export interface TelemetryOptions {
  /** `service.name` of every span. Defaults to `OTEL_SERVICE_NAME`, else `"reasoningbank"`. */
  serviceName?: string;
  /** `service.version`. Not set by default. */
  serviceVersion?: string;
  /**
   * `"otlp"` (OTLP/HTTP to any collector or backend), `"console"` (one JSON line per span on stderr), `"none"`, or a
   * `SpanExporter` of your own. Defaults to the first entry of `OTEL_TRACES_EXPORTER`, else `"otlp"`.
   */
  exporter?: TraceExporterKind | tracing.SpanExporter;
  /**
   * Base URL of the OTLP/HTTP receiver; `/v1/traces` is appended. Defaults to `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`
   * (used as is) or `OTEL_EXPORTER_OTLP_ENDPOINT`, else `http://localhost:4318` (a local collector, Jaeger...).
   */
  endpoint?: string;
  /** OTLP encoding. Defaults to `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL` / `OTEL_EXPORTER_OTLP_PROTOCOL`, else `"http/protobuf"` (about twice as cheap to encode as JSON). */
  protocol?: OtlpProtocol;
  /** Extra HTTP headers for the OTLP exporter (e.g. an API key). Defaults to `OTEL_EXPORTER_OTLP_HEADERS`. */
  headers?: Record<string, string>;
  /**
   * Deadline of one OTLP export, retries included, in milliseconds. Defaults to `OTEL_EXPORTER_OTLP_TRACES_TIMEOUT` /
   * `OTEL_EXPORTER_OTLP_TIMEOUT`, else `10000`.
   */
  exportTimeoutMillis?: number;
  /**
   * Longest `shutdown()` waits for the last spans to be delivered, in milliseconds; past it the spans are given up
   * with one warning on stderr. Defaults to `2000`.
   */
  shutdownTimeoutMillis?: number;
  /**
   * `"batch"` exports in the background (the right choice for servers; `OTEL_BSP_*` variables tune it); `"simple"`
   * exports each span as it ends (short scripts, tests). `shutdown()` flushes either way. Defaults to `"batch"`.
   */
  spanProcessor?: 'batch' | 'simple';
  /** Extra resource attributes, merged over `OTEL_RESOURCE_ATTRIBUTES`. Defaults to none. */
  resourceAttributes?: Attributes;
  /**
   * Extra metric readers, e.g. a `PeriodicExportingMetricReader` to send metrics to a collector. The in-process
   * reader behind `getStatistics()` is always installed. Defaults to none.
   */
  metricReaders?: sdkMetrics.MetricReader[];
}

/** `startTelemetry`'s options with defaults and environment applied. */
export interface ResolvedTelemetryOptions {
  serviceName: string;
  serviceVersion: string | undefined;
  exporter: TraceExporterKind | tracing.SpanExporter;
  /** The full traces URL, e.g. `http://localhost:4318/v1/traces`. */
  tracesUrl: string;
  protocol: OtlpProtocol;
  headers: Record<string, string> | undefined;
  exportTimeoutMillis: number;
  shutdownTimeoutMillis: number;
  spanProcessor: 'batch' | 'simple';
  resourceAttributes: Attributes;
  metricReaders: sdkMetrics.MetricReader[];
}

const KNOWN = [
  'serviceName',
  'serviceVersion',
  'exporter',
  'endpoint',
  'protocol',
  'headers',
  'exportTimeoutMillis',
  'shutdownTimeoutMillis',
  'spanProcessor',
  'resourceAttributes',
  'metricReaders',
] as const;
const EXPORTERS: readonly TraceExporterKind[] = ['otlp', 'console', 'none'];
const PROTOCOLS: readonly OtlpProtocol[] = ['http/protobuf', 'http/json'];
const DEFAULT_SERVICE_NAME = 'reasoningbank';
const DEFAULT_ENDPOINT = 'http://localhost:4318';
const DEFAULT_EXPORT_TIMEOUT_MILLIS = 10_000;
const DEFAULT_SHUTDOWN_TIMEOUT_MILLIS = 2_000;
// A deadline longer than this is surely seconds or microseconds typed as milliseconds.
const MAX_TIMEOUT_MILLIS = 600_000;

/** Reads and checks `startTelemetry`'s options; throws `TelemetryError` (`INVALID_OPTIONS`) naming the field. */
export function resolveTelemetryOptions(options: unknown, env: NodeJS.ProcessEnv = process.env): ResolvedTelemetryOptions {
  const read = new OptionReader(options, KNOWN, invalidOption);
  const serviceName = read.string('serviceName', env['OTEL_SERVICE_NAME'] || DEFAULT_SERVICE_NAME);
  if (serviceName.trim() === '') read.fail('serviceName', 'a non-empty string', serviceName);
  const exporter = readExporter(read, env);
  const protocol = read.oneOf('protocol', PROTOCOLS, protocolFromEnv(env));
  const timeout = { min: 1, max: MAX_TIMEOUT_MILLIS };
  return {
    serviceName,
    serviceVersion: read.string('serviceVersion', undefined),
    exporter,
    tracesUrl: tracesUrl(read, env),
    protocol,
    headers: readStringRecord(read, 'headers'),
    exportTimeoutMillis: read.integer('exportTimeoutMillis', { ...timeout, default: timeoutFromEnv(env) }),
    shutdownTimeoutMillis: read.integer('shutdownTimeoutMillis', { ...timeout, default: DEFAULT_SHUTDOWN_TIMEOUT_MILLIS }),
    spanProcessor: read.oneOf('spanProcessor', ['batch', 'simple'], 'batch'),
    resourceAttributes: readAttributes(read, 'resourceAttributes'),
    metricReaders: readMetricReaders(read),
  };
}

function readExporter(read: OptionReader, env: NodeJS.ProcessEnv): TraceExporterKind | tracing.SpanExporter {
  const value = read.raw('exporter');
  if (value === undefined) {
    const first = (env['OTEL_TRACES_EXPORTER'] ?? '').split(',')[0]!.trim().toLowerCase();
    if (first === '') return 'otlp';
    if ((EXPORTERS as readonly string[]).includes(first)) return first as TraceExporterKind;
    throw invalidOption('OTEL_TRACES_EXPORTER', `OTEL_TRACES_EXPORTER=${describeValue(first)} is not one of ${EXPORTERS.join(', ')}`);
  }
  if (typeof value === 'object' && value !== null && typeof (value as { export?: unknown }).export === 'function') {
    return value as tracing.SpanExporter;
  }
  if ((EXPORTERS as readonly unknown[]).includes(value)) return value as TraceExporterKind;
  return read.fail('exporter', `one of ${EXPORTERS.join(', ')} or a SpanExporter`, value);
}

function protocolFromEnv(env: NodeJS.ProcessEnv): OtlpProtocol {
  const name = env['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'] ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL' : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const value = (env[name] ?? '').trim();
  if (value === '') return 'http/protobuf';
  if ((PROTOCOLS as readonly string[]).includes(value)) return value as OtlpProtocol;
  throw invalidOption(name, `${name}=${describeValue(value)} is not supported; use ${PROTOCOLS.join(' or ')}`);
}

function timeoutFromEnv(env: NodeJS.ProcessEnv): number {
  const name = env['OTEL_EXPORTER_OTLP_TRACES_TIMEOUT'] ? 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT' : 'OTEL_EXPORTER_OTLP_TIMEOUT';
  const value = (env[name] ?? '').trim();
  if (value === '') return DEFAULT_EXPORT_TIMEOUT_MILLIS;
  const millis = Number(value);
  if (!Number.isSafeInteger(millis) || millis < 1 || millis > MAX_TIMEOUT_MILLIS) {
    throw invalidOption(name, `${name} must be milliseconds, 1-${MAX_TIMEOUT_MILLIS}, got ${describeValue(value)}`);
  }
  return millis;
}

function tracesUrl(read: OptionReader, env: NodeJS.ProcessEnv): string {
  const endpoint = read.string('endpoint', undefined);
  if (endpoint !== undefined) return `${checkUrl(read, 'endpoint', endpoint).replace(/\/+$/, '')}/v1/traces`;
  const traces = env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']?.trim();
  if (traces) return checkUrl(read, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', traces);
  const base = env['OTEL_EXPORTER_OTLP_ENDPOINT']?.trim();
  if (base) return `${checkUrl(read, 'OTEL_EXPORTER_OTLP_ENDPOINT', base).replace(/\/+$/, '')}/v1/traces`;
  return `${DEFAULT_ENDPOINT}/v1/traces`;
}

function checkUrl(read: OptionReader, field: string, value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    // describeValue bounds the length; an endpoint rarely carries a secret, but the message must not grow unbounded.
    if (field === 'endpoint') read.fail(field, 'an http(s) URL', value);
    throw invalidOption(field, `${field} must be an http(s) URL, got ${describeValue(value)}`);
  }
  return value;
}

function readStringRecord(read: OptionReader, key: 'headers'): Record<string, string> | undefined {
  const value = read.raw(key);
  if (value === undefined) return undefined;
  if (!isPlainObject(value) || !Object.values(value).every((v) => typeof v === 'string')) {
    read.fail(key, 'an object of string values', value);
  }
  return value as Record<string, string>;
}

function readAttributes(read: OptionReader, key: 'resourceAttributes'): Attributes {
  const value = read.raw(key);
  if (value === undefined) return {};
  if (!isPlainObject(value)) read.fail(key, 'an object of attribute values', value);
  for (const [name, attribute] of Object.entries(value as Record<string, unknown>)) {
    if (!isAttributeValue(attribute)) {
      throw invalidOption(`${key}.${name}`, `${key}.${name} must be a string, number, boolean or an array of one of them, got ${describeValue(attribute)}`);
    }
  }
  return value as Attributes;
}

function readMetricReaders(read: OptionReader): sdkMetrics.MetricReader[] {
  const value = read.raw('metricReaders');
  if (value === undefined) return [];
  if (!Array.isArray(value)) read.fail('metricReaders', 'an array of MetricReader', value);
  (value as unknown[]).forEach((reader, i) => {
    const ok = typeof reader === 'object' && reader !== null && typeof (reader as { collect?: unknown }).collect === 'function';
    if (!ok) throw invalidOption(`metricReaders[${i}]`, `metricReaders[${i}] must be a MetricReader, got ${describeValue(reader)}`);
  });
  return value as sdkMetrics.MetricReader[];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function isAttributeValue(value: unknown): value is AttributeValue {
  const scalar = (v: unknown) => typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
  return scalar(value) || (Array.isArray(value) && value.every((v) => v === null || v === undefined || scalar(v)));
}
