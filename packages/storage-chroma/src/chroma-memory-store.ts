import { BackendMemoryStore, type MemoryEmbedder } from '@rb/memory';
import { ChromaBackend, type ChromaCacheStatistics } from './chroma-backend.js';
import { splitStoreOptions, type ChromaMemoryStoreOptions } from './chroma-memory-store-options.js';
import { QueryEmbeddingCache } from './query-embedding-cache.js';
import type { CacheFigures } from './workspace-lru.js';

/** `getCacheStatistics()`: the seed's figures per cache, and the requests sent to Chroma. */
export interface StoreCacheStatistics extends ChromaCacheStatistics {
  /** Query vectors, by normalised query text. */
  queryEmbeddings: CacheFigures | undefined;
}

/**
 * The ReasoningBank memory bank on a Chroma server: the whole `MemoryStore` contract of `@rb/memory` (validation,
 * hybrid retrieval, genealogy, retention, statistics, backup) over `ChromaBackend`, with the query-embedding cache in
 * front of the embedder. `await ChromaMemoryStore.open(options)` connects and checks the model at once; `new` connects
 * at the first call.
 */
export class ChromaMemoryStore extends BackendMemoryStore {
  readonly chroma: ChromaBackend;
  private readonly queryEmbeddings: QueryEmbeddingCache | undefined;

  constructor(options: ChromaMemoryStoreOptions) {
    const { backend: backendOptions, store } = splitStoreOptions(options);
    const backend = new ChromaBackend(backendOptions);
    const { cache } = backend.settings;
    const embedder: MemoryEmbedder =
      cache.enabled && typeof store.embedder?.generateBatch === 'function' ? new QueryEmbeddingCache(store.embedder, cache.size, cache.ttlMs) : store.embedder;
    super({ ...store, embedder, backend });
    this.chroma = backend;
    this.queryEmbeddings = embedder instanceof QueryEmbeddingCache ? embedder : undefined;
  }

  /** Creates the store, connects to Chroma and checks the bank's model (`MODEL_MISMATCH`), repairing interrupted writes. */
  static async open(options: ChromaMemoryStoreOptions): Promise<ChromaMemoryStore> {
    const store = new ChromaMemoryStore(options);
    try {
      await store.chroma.open({ model: options.embedder.model, dimension: options.embedder.dimension });
    } catch (error) {
      await store.close().catch(() => undefined);
      throw error;
    }
    return store;
  }

  /** The Chroma server's URL, credentials redacted. */
  get url(): string {
    return this.chroma.url;
  }

  getCacheStatistics(): StoreCacheStatistics {
    return { ...this.chroma.cacheStatistics(), queryEmbeddings: this.queryEmbeddings?.figures() };
  }

  /**
   * Empties caches (all three by default): nothing stored is lost, later calls fetch and embed again. Results never
   * need it (this store's writes keep its caches valid); it frees memory, or measures a cold start.
   */
  clearCaches(which: readonly ('retrievals' | 'records' | 'queryEmbeddings')[] = ['retrievals', 'records', 'queryEmbeddings']): void {
    this.chroma.clearCaches({ retrievals: which.includes('retrievals'), records: which.includes('records') });
    if (which.includes('queryEmbeddings')) this.queryEmbeddings?.clear();
  }
}

/** The seed's name for the store. */
export const ChromaDBAdapter = ChromaMemoryStore;
