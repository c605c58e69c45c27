const MARKER = Symbol.for('@rb/cache.CacheError');

/**
 * What went wrong, as a stable string a caller can switch on.
 * - `INVALID_OPTIONS`: an option of `new MemoryCache()` has the wrong type or value.
 * - `INVALID_ARGUMENT`: an argument of a method (a TTL, tags, a value, or what `sizeOf` returned) is not usable.
 */
export type CacheErrorCode = 'INVALID_OPTIONS' | 'INVALID_ARGUMENT';

/**
 * The one error type `@rb/cache` throws. Errors thrown by a `getOrLoad` loader are passed through unchanged, so that
 * the caller sees its own error.
 */
export class CacheError extends Error {
  override readonly name = 'CacheError';
  readonly code: CacheErrorCode;
  /** The option or argument at fault, e.g. `maxSize` or `ttlSeconds`. */
  readonly field: string;
  readonly [MARKER] = true;

  constructor(code: CacheErrorCode, field: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.field = field;
  }

  /** Works across two copies of this package, where `instanceof` does not. */
  static isInstance(error: unknown): error is CacheError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true;
  }
}
