const MARKER = Symbol.for('@rb/storage-chroma.StorageError');

/**
 * What went wrong, as a stable string a caller can switch on.
 * - `INVALID_INPUT`: a trace, memory item, query or option is malformed; `field` names it. Nothing was written.
 * - `SERVER_UNREACHABLE`: no Chroma server answered at `url`.
 * - `SERVER_START_FAILED`: `startChroma` could not bring a server up (port taken, binding failed to load, timeout).
 * - `MODEL_MISMATCH`: the collections (or a backup) hold vectors of another embedding model or dimension.
 * - `BACKUP_INVALID`: a backup's manifest is missing or malformed, or a file does not match its sha256.
 * - `CHROMA_ERROR`: Chroma rejected a request for another reason; `cause` holds its error.
 */
export type StorageErrorCode =
  | 'INVALID_INPUT'
  | 'SERVER_UNREACHABLE'
  | 'SERVER_START_FAILED'
  | 'MODEL_MISMATCH'
  | 'BACKUP_INVALID'
  | 'CHROMA_ERROR';

/** Context some codes carry, for a program to act on without parsing the message. */
export interface StorageErrorContext {
  /** `INVALID_INPUT`: the path of the bad field, e.g. `memories[1].title`. */
  field?: string;
  /** `SERVER_UNREACHABLE`, `SERVER_START_FAILED`: the server's URL. */
  url?: string;
  /** `MODEL_MISMATCH`: what the data was built with and what this store uses. */
  stored?: { model: string; dimension: number };
  expected?: { model: string; dimension: number };
}

/** The one error type `@rb/storage-chroma` throws. */
export class StorageError extends Error {
  override readonly name = 'StorageError';
  readonly code: StorageErrorCode;
  readonly field: string | undefined;
  readonly url: string | undefined;
  readonly stored: { model: string; dimension: number } | undefined;
  readonly expected: { model: string; dimension: number } | undefined;
  readonly [MARKER] = true;

  constructor(code: StorageErrorCode, message: string, options: StorageErrorContext & { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.field = options.field;
    this.url = options.url;
    this.stored = options.stored;
    this.expected = options.expected;
  }

  /** Works across two copies of this package, where `instanceof` does not. */
  static isInstance(error: unknown): error is StorageError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true;
  }
}

export function invalidInput(field: string, expected: string, got?: unknown): StorageError {
  const shown = arguments.length > 2 ? `, got ${describe(got)}` : '';
  return new StorageError('INVALID_INPUT', `${field} must be ${expected}${shown}`, { field });
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return value === null ? 'null' : typeof value === 'object' ? 'an object' : String(value);
}
