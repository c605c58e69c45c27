import { OptionReader, redactUrl } from '@rb/errors';
import { MemoryError } from '@rb/memory';
import type { ChromaConnection } from './chroma-http.js';

/** Options of `ChromaBackend` (and the Chroma part of `ChromaMemoryStore`'s options). */
export interface ChromaBackendOptions {
  /**
   * Chroma server URL, with a base path if a proxy serves Chroma below one. User info (`http://user:pass@host`) is
   * sent as a Basic `authorization` header and never shown (errors, spans and `health()` show `REDACTED`). Defaults to
   * the `CHROMA_URL` environment variable, else `"http://127.0.0.1:8000"`.
   */
  url?: string;
  /**
   * Extra HTTP headers sent with every request, e.g. `{ 'x-chroma-token': token }`. Names must be HTTP tokens and
   * values one line; an `authorization` header cannot be combined with credentials in `url`. Defaults to none.
   */
  headers?: Record<string, string>;
  /** Deadline of each request to Chroma, in milliseconds; a late answer is a retryable `BACKEND_TIMEOUT`. Defaults to `10000`. */
  requestTimeoutMs?: number;
  /** Chroma tenant. Defaults to `"default_tenant"`. */
  tenant?: string;
  /** Chroma database. Defaults to `"default_database"`. */
  database?: string;
  /**
   * Start of the names of this bank's collections: `<prefix>-registry` (workspaces and write journals) and two per
   * workspace. Banks with different prefixes share a server without seeing each other. Defaults to `"reasoningbank"`.
   */
  collectionPrefix?: string;
  /** The seed's `enable_memory_cache`: cache retrieval candidates, records and query embeddings. Defaults to `true`. */
  enableMemoryCache?: boolean;
  /** The seed's `cache_size`: cached retrievals (and query embeddings). Defaults to `1000`. */
  cacheSize?: number;
  /** Memory records (with their vectors) kept in the record cache. Defaults to `10000`. */
  recordCacheSize?: number;
  /**
   * Seconds a cache entry lives: how stale a cache may get when ANOTHER process writes to the same Chroma and no
   * `invalidation` seam connects the two (this store's own writes update or drop its entries at once). A queried
   * workspace that fits the record cache is reloaded into it this often. Defaults to `300`.
   */
  cacheTtlSeconds?: number;
  /**
   * After how long a write journal of another process (one this process cannot check is gone) counts as abandoned
   * and is repaired by `open`, in milliseconds. Defaults to `600000` (10 minutes).
   */
  staleWriteMs?: number;
}

export interface ResolvedBackendOptions {
  connection: ChromaConnection;
  collectionPrefix: string;
  cache: { enabled: boolean; size: number; recordSize: number; ttlMs: number };
  staleWriteMs: number;
}

export const BACKEND_OPTION_NAMES = [
  'url',
  'headers',
  'requestTimeoutMs',
  'tenant',
  'database',
  'collectionPrefix',
  'enableMemoryCache',
  'cacheSize',
  'recordCacheSize',
  'cacheTtlSeconds',
  'staleWriteMs',
] as const;

const invalid = (field: string, message: string) => new MemoryError({ code: 'INVALID_OPTIONS', field, message });

// RFC 9110 token characters; headers the HTTP layer owns are refused, so a header option cannot break framing.
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const RESERVED_HEADERS = new Set(['host', 'content-length', 'content-type', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'expect', 'te', 'trailer']);

export function resolveBackendOptions(options: ChromaBackendOptions | undefined, known: readonly string[] = BACKEND_OPTION_NAMES): ResolvedBackendOptions {
  const read = new OptionReader(options, known, invalid);
  const rawUrl = read.raw('url') ?? process.env['CHROMA_URL'] ?? 'http://127.0.0.1:8000';
  const field = read.raw('url') === undefined && process.env['CHROMA_URL'] !== undefined ? 'CHROMA_URL' : 'url';
  const { baseUrl, authorization } = parseUrl(rawUrl, field);
  const headers = readHeaders(read.raw('headers'));
  if (authorization) {
    if (headers['authorization'] !== undefined) {
      throw invalid('headers.authorization', 'headers.authorization cannot be combined with credentials in the url: use one of them');
    }
    headers['authorization'] = authorization;
  }
  const ttlSeconds = read.number('cacheTtlSeconds', { default: 300, above: 0, allowInfinity: true });
  return {
    connection: {
      baseUrl,
      displayUrl: redactUrl(rawUrl as string).replace(/\/+$/, ''),
      headers,
      requestTimeoutMs: read.integer('requestTimeoutMs', { default: 10_000, min: 1, max: 3_600_000 }),
      tenant: chromaName(read, 'tenant', 'default_tenant'),
      database: chromaName(read, 'database', 'default_database'),
    },
    collectionPrefix: collectionPrefix(read),
    cache: {
      enabled: read.boolean('enableMemoryCache', true),
      size: read.integer('cacheSize', { default: 1000, min: 1, max: 10_000_000 }),
      recordSize: read.integer('recordCacheSize', { default: 10_000, min: 1, max: 10_000_000 }),
      ttlMs: ttlSeconds === Infinity ? Infinity : ttlSeconds * 1000,
    },
    staleWriteMs: read.integer('staleWriteMs', { default: 600_000, min: 0, max: 7 * 86_400_000 }),
  };
}

function parseUrl(value: unknown, field: string): { baseUrl: URL; authorization: string | undefined } {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) {
    throw invalid(field, `${field} must be an http(s) URL, got ${typeof value === 'string' ? `a string of ${value.length} characters` : typeof value}`);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(field, `${field} must be an http(s) URL, got ${JSON.stringify(redactUrl(value).slice(0, 200))}`);
  }
  const shown = JSON.stringify(redactUrl(url).slice(0, 200));
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid(field, `${field} must use http or https, got ${shown}`);
  if (url.search !== '' || url.hash !== '') throw invalid(field, `${field} must have no query or fragment, got ${shown}`);
  let authorization: string | undefined;
  if (url.username !== '' || url.password !== '') {
    let user: string;
    let password: string;
    try {
      user = decodeURIComponent(url.username);
      password = decodeURIComponent(url.password);
    } catch {
      throw invalid(field, `${field} has badly escaped credentials (${shown})`);
    }
    authorization = `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
  }
  const baseUrl = new URL(url.href);
  baseUrl.username = '';
  baseUrl.password = '';
  return { baseUrl, authorization };
}

function readHeaders(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid('headers', `headers must be an object of header names to string values, got ${value === null ? 'null' : typeof value}`);
  }
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > 100) throw invalid('headers', `headers must hold at most 100 headers, got ${entries.length}`);
  for (const [name, headerValue] of entries) {
    // Values are never shown: they are often secrets.
    if (!TOKEN.test(name) || name.length > 200) throw invalid('headers', `headers has a name that is not an HTTP token: ${JSON.stringify(name.slice(0, 50))}`);
    const lower = name.toLowerCase();
    const at = `headers.${name}`;
    if (RESERVED_HEADERS.has(lower)) throw invalid(at, `${at} is set by the HTTP layer and cannot be overridden`);
    if (lower in headers) throw invalid(at, `${at} is given twice (header names ignore case)`);
    if (typeof headerValue !== 'string') throw invalid(at, `${at} must be a string, got ${typeof headerValue}`);
    if (headerValue.length > 8192 || /[\r\n\0]/.test(headerValue)) throw invalid(at, `${at} must be one line of at most 8192 characters`);
    headers[lower] = headerValue;
  }
  return headers;
}

function chromaName(read: OptionReader, key: 'tenant' | 'database', fallback: string): string {
  const value = read.string(key, fallback, { maxLength: 128 });
  if (!/^[\w.-]+$/.test(value)) read.fail(key, 'a name of letters, digits, ".", "_" or "-"', value);
  return value;
}

function collectionPrefix(read: OptionReader): string {
  const value = read.string('collectionPrefix', 'reasoningbank', { maxLength: 60 });
  // Chroma names: [a-zA-Z0-9._-], starting and ending with a letter or digit; the prefix starts every name.
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_-]*$/.test(value)) read.fail('collectionPrefix', 'letters, digits, "_" or "-", starting with a letter or digit', value);
  return value;
}
