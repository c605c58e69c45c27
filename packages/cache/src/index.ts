export { MemoryCache } from './memory-cache.js';
export type { MemoryCacheOptions, PutOptions, CacheStatistics } from './memory-cache-options.js';
export { CacheError } from './errors.js';
export type { CacheErrorCode } from './errors.js';
