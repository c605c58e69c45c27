import { OptionReader, redactUrl, refuseRenamedOptions } from '@rb/errors';
import type { RetryOptions } from '@rb/http-pool';
import { invalidOptions } from '../errors.js';

/**
 * Options of `ResponsesAPIClient` and `ChatCompletionsClient`. Every field is optional; the key, base URL and model
 * fall back to the usual environment variables.
 */
export interface OpenAIClientOptions {
  /**
   * The API key, sent as `Authorization: Bearer`. Defaults to `OPENAI_API_KEY` (or `OPENROUTER_API_KEY` for an
   * openrouter.ai base URL). Required for api.openai.com and openrouter.ai; a local server may need none. It never
   * appears in errors, spans or logs.
   */
  apiKey?: string;
  /** Base URL of the API, up to and including `/v1`. Defaults to `OPENAI_BASE_URL`, else `https://api.openai.com/v1`. */
  baseUrl?: string;
  /** Model to ask for. Defaults to `OPENAI_MODEL`, else `gpt-4o-mini`. */
  model?: string;
  /**
   * Provider name in spans (`gen_ai.provider.name`). Defaults to `openai` for api.openai.com, `openrouter` for
   * openrouter.ai, else `openai-compatible`.
   */
  provider?: string;
  /** Sent as `OpenAI-Organization`. Defaults to `OPENAI_ORG_ID`, else none. */
  organization?: string;
  /** Sent as `OpenAI-Project`. Defaults to `OPENAI_PROJECT_ID`, else none. */
  project?: string;
  /** Extra headers on every request (e.g. OpenRouter's `HTTP-Referer`); their values are redacted like the key. Defaults to none. */
  headers?: Record<string, string>;
  /**
   * Deadline of one call in ms: the wait for a concurrency slot, every attempt, backoff and a streamed body included
   * (the seed's `timeout=120` seconds). At least 1000. Defaults to `120000`.
   */
  timeoutMs?: number;
  /** Retries of a failed call the retry policy allows (429, 408, 502-504, failures before sending). Defaults to `2`. */
  maxRetries?: number;
  /** Backoff of the retries. Defaults to `{ baseDelayMs: 500, maxDelayMs: 8000, maxRetryAfterMs: 60000 }`. */
  retry?: RetryOptions;
  /** Calls of this client in flight at once; more wait in arrival order. An integer 1-1000. Defaults to `8`. */
  maxConcurrency?: number;
  /** Stream answers as server-sent events (a silent connection then fails fast). Defaults to `false`. */
  stream?: boolean;
  /**
   * Send a fresh `Idempotency-Key` per call (the same on its retries), which lets a 500 or a reset after sending be
   * retried. Only for servers that honour the header. Defaults to `false`: such a call is not repeated.
   */
  idempotencyKeys?: boolean;
  /**
   * Cache of answers to temperature-0 calls, keyed by a hash of the whole request. Hits cost nothing and are marked
   * `fromCache`. `false` turns it off. Defaults to `{ maxSize: 1000, ttlSeconds: 3600 }`.
   */
  responseCache?: false | { maxSize?: number; ttlSeconds?: number };
  /** Whether to send `temperature` (some reasoning models refuse it). Defaults to `true`. */
  sendTemperature?: boolean;
  /** Where the environment variables are read. Defaults to `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** The options above, resolved. */
export interface ResolvedClientOptions {
  apiKey: string | undefined;
  /** Without a trailing slash. */
  baseUrl: string;
  model: string;
  provider: string;
  headers: Record<string, string>;
  /** Values never to show in an error, a span or a log. */
  secrets: string[];
  timeoutMs: number;
  maxRetries: number;
  retry: RetryOptions | undefined;
  maxConcurrency: number;
  stream: boolean;
  idempotencyKeys: boolean;
  responseCache: false | { maxSize: number; ttlSeconds: number };
  sendTemperature: boolean;
}

export const CLIENT_OPTION_NAMES = [
  'apiKey',
  'baseUrl',
  'model',
  'provider',
  'organization',
  'project',
  'headers',
  'timeoutMs',
  'maxRetries',
  'retry',
  'maxConcurrency',
  'stream',
  'idempotencyKeys',
  'responseCache',
  'sendTemperature',
  'env',
] as const;

const DEFAULT_BASE_URL = 'https://api.openai.com/v1';
const DEFAULT_MODEL = 'gpt-4o-mini';
/** Hosts that always need a key: a missing one is a configuration error now rather than a 401 later. */
const KEYED_HOSTS: Record<string, string> = { 'api.openai.com': 'openai', 'openrouter.ai': 'openrouter' };

// The seed's Python spellings and unit-less durations, refused with what to write instead.
const RENAMED: Readonly<Record<string, string>> = {
  timeout: "durations are in milliseconds and say so: use timeoutMs (the seed's timeout=120 seconds is timeoutMs: 120000)",
  api_key: 'use apiKey',
  base_url: 'use baseUrl',
  baseURL: 'use baseUrl',
  max_retries: 'use maxRetries',
};

export function resolveClientOptions(options: unknown, extraNames: readonly string[] = []): { resolved: ResolvedClientOptions; read: OptionReader } {
  refuseRenamedOptions(options, RENAMED, invalidOptions);
  const read = new OptionReader(options, [...CLIENT_OPTION_NAMES, ...extraNames], invalidOptions);
  const envValue = read.raw('env');
  if (envValue !== undefined && (typeof envValue !== 'object' || envValue === null)) read.fail('env', 'an object', envValue);
  const env = (envValue ?? process.env) as Readonly<Record<string, string | undefined>>;
  const fromEnv = (name: string) => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };

  const baseUrlText = read.string('baseUrl', undefined) ?? fromEnv('OPENAI_BASE_URL') ?? DEFAULT_BASE_URL;
  let url: URL;
  try {
    url = new URL(baseUrlText);
  } catch {
    throw invalidOptions('baseUrl', `baseUrl must be an absolute http(s) URL, got ${redactUrl(baseUrlText)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalidOptions('baseUrl', `baseUrl must be an http: or https: URL, got ${redactUrl(url)}`);
  }
  const host = url.hostname.toLowerCase();
  const keyedProvider = KEYED_HOSTS[host];

  const apiKey =
    read.string('apiKey', undefined) ?? fromEnv('OPENAI_API_KEY') ?? (keyedProvider === 'openrouter' ? fromEnv('OPENROUTER_API_KEY') : undefined);
  if (apiKey === undefined && keyedProvider !== undefined) {
    const variable = keyedProvider === 'openrouter' ? 'OPENROUTER_API_KEY (or OPENAI_API_KEY)' : 'OPENAI_API_KEY';
    throw invalidOptions('apiKey', `no API key for ${host}: set ${variable} or pass the apiKey option`);
  }
  if (apiKey !== undefined && /[\r\n]/.test(apiKey)) throw invalidOptions('apiKey', 'apiKey must not contain line breaks');

  const headers: Record<string, string> = {};
  const extra = read.raw('headers');
  if (extra !== undefined) {
    if (typeof extra !== 'object' || extra === null || Array.isArray(extra)) read.fail('headers', 'an object of header names to strings', extra);
    for (const [name, value] of Object.entries(extra as Record<string, unknown>)) {
      if (typeof value !== 'string') throw invalidOptions(`headers.${name}`, `headers.${name} must be a string`);
      headers[name.toLowerCase()] = value;
    }
  }
  const organization = read.string('organization', undefined) ?? fromEnv('OPENAI_ORG_ID');
  const project = read.string('project', undefined) ?? fromEnv('OPENAI_PROJECT_ID');
  if (organization !== undefined) headers['openai-organization'] = organization;
  if (project !== undefined) headers['openai-project'] = project;
  if (apiKey !== undefined) headers['authorization'] = `Bearer ${apiKey}`;

  const retry = read.raw('retry');
  if (retry !== undefined && (typeof retry !== 'object' || retry === null)) read.fail('retry', 'an object', retry);

  const secrets = [apiKey, ...Object.entries(extra ?? {}).map(([, v]) => v as string)].filter(
    (s): s is string => s !== undefined && s.length >= 6,
  );

  return {
    read,
    resolved: {
      apiKey,
      baseUrl: url.href.replace(/\/+$/, ''),
      model: read.string('model', undefined, { maxLength: 200 }) ?? fromEnv('OPENAI_MODEL') ?? DEFAULT_MODEL,
      provider: read.string('provider', undefined, { maxLength: 100 }) ?? keyedProvider ?? 'openai-compatible',
      headers,
      secrets,
      timeoutMs: read.number('timeoutMs', { default: 120_000, min: 1000, max: 86_400_000 }),
      maxRetries: read.integer('maxRetries', { default: 2, min: 0, max: 10 }),
      retry: retry as RetryOptions | undefined,
      maxConcurrency: read.integer('maxConcurrency', { default: 8, min: 1, max: 1000 }),
      stream: read.boolean('stream', false),
      idempotencyKeys: read.boolean('idempotencyKeys', false),
      responseCache: resolveCache(read),
      sendTemperature: read.boolean('sendTemperature', true),
    },
  };
}

function resolveCache(read: OptionReader): ResolvedClientOptions['responseCache'] {
  const raw = read.raw('responseCache');
  if (raw === false) return false;
  const cache = read.nested('responseCache', ['maxSize', 'ttlSeconds']);
  return {
    maxSize: cache.integer('maxSize', { default: 1000, min: 1, max: 10_000_000 }),
    ttlSeconds: cache.number('ttlSeconds', { default: 3600, above: 0, allowInfinity: true }),
  };
}
