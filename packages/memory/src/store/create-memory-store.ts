import type { MemoryStore } from '../memory-store.js';
import { BackendMemoryStore } from './backend-memory-store.js';
import type { MemoryStoreOptions } from './memory-store-options.js';

/** A `MemoryStore` over `options.backend`: the same as `new BackendMemoryStore(options)`. */
export function createMemoryStore(options: MemoryStoreOptions): MemoryStore {
  return new BackendMemoryStore(options);
}
