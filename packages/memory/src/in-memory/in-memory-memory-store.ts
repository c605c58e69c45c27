import type { MemoryEmbedder } from '../memory-embedder.js';
import { BackendMemoryStore } from '../store/backend-memory-store.js';
import type { MemoryStoreOptions } from '../store/memory-store-options.js';
import { InMemoryBackend } from './in-memory-backend.js';

/** Options of `InMemoryMemoryStore`: those of any store, without the backend. */
export type InMemoryMemoryStoreOptions = Omit<MemoryStoreOptions, 'backend'> & { embedder: MemoryEmbedder };

/**
 * A complete `MemoryStore` in this process: the shared store over `InMemoryBackend` (brute-force cosine over
 * `Float32Array`s). Same validation, retrieval, genealogy, retention and backup format as every backend; nothing
 * survives the process (use `backup`/`restore` to keep a bank).
 */
export class InMemoryMemoryStore extends BackendMemoryStore {
  constructor(options: InMemoryMemoryStoreOptions) {
    super({ ...options, backend: new InMemoryBackend() });
  }
}
