import { RbError, type RbErrorOptions } from '@rb/errors';

/**
 * What went wrong, as a stable string a caller can switch on.
 * - `INVALID_OPTIONS`: an option of `new MemoryCache()` has the wrong type or value (`field` names it).
 * - `INVALID_ARGUMENT`: an argument of a method (a key that is not a string, a TTL, tags, a value, or what `sizeOf`
 *   returned) is not usable (`field` names it).
 * - `DISPOSED`: the cache was used to store or load after `dispose()`.
 */
export type CacheErrorCode = 'INVALID_OPTIONS' | 'INVALID_ARGUMENT' | 'DISPOSED';

/**
 * The one error type `@rb/cache` throws (an `RbError` of `@rb/errors`). Errors thrown by a `getOrLoad` loader are
 * passed through unchanged, so that the caller sees its own error. `CacheError.isInstance(e)` works across two copies
 * of the package.
 */
export class CacheError extends RbError<CacheErrorCode> {
  static override readonly kind: string = '@rb/cache.CacheError';
  override readonly name: string = 'CacheError';

  constructor(options: RbErrorOptions<CacheErrorCode>) {
    super(options);
  }
}
