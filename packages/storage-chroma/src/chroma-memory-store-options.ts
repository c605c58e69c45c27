import { OptionReader } from '@rb/errors';
import { MemoryError, type MemoryStoreOptions } from '@rb/memory';
import { BACKEND_OPTION_NAMES, type ChromaBackendOptions } from './chroma-backend-options.js';

/**
 * Options of `ChromaMemoryStore`: where Chroma is and how to cache (`ChromaBackendOptions`), and what every memory
 * store takes (`MemoryStoreOptions` of `@rb/memory`: `embedder` (required), `retrieval`, `batchSize`, `now`,
 * `lexicalIndex`, `invalidation`), each with the default documented there.
 */
export type ChromaMemoryStoreOptions = ChromaBackendOptions & Omit<MemoryStoreOptions, 'backend'>;

const STORE_OPTION_NAMES = ['embedder', 'retrieval', 'batchSize', 'now', 'lexicalIndex', 'invalidation'] as const;

const invalid = (field: string, message: string) => new MemoryError({ code: 'INVALID_OPTIONS', field, message });

/** Splits the options between the backend and the shared store, refusing a key neither knows (naming both lists). */
export function splitStoreOptions(options: ChromaMemoryStoreOptions): {
  backend: ChromaBackendOptions;
  store: Omit<MemoryStoreOptions, 'backend'>;
} {
  if (options === undefined || options === null) throw invalid('embedder', 'ChromaMemoryStore needs options with an embedder');
  new OptionReader(options, [...STORE_OPTION_NAMES, ...BACKEND_OPTION_NAMES], invalid);
  const backend: Record<string, unknown> = {};
  const store: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    ((BACKEND_OPTION_NAMES as readonly string[]).includes(key) ? backend : store)[key] = value;
  }
  return { backend: backend as ChromaBackendOptions, store: store as Omit<MemoryStoreOptions, 'backend'> };
}
