import { OptionReader } from '@rb/errors';
import type { MemoryBackend } from '../backend/memory-backend.js';
import { MemoryError } from '../errors.js';
import type { MemoryEmbedder } from '../memory-embedder.js';
import { DEFAULT_FIELD_BOOSTS, type LexicalFieldBoosts } from '../retrieval/lexical-index.js';
import { RETRIEVAL_OPTION_NAMES, resolveRetrieval, type ResolvedRetrieval, type RetrievalOptions } from '../retrieval/retrieval-options.js';
import type { InvalidationSeam } from './invalidation.js';

/** Options of `BackendMemoryStore` (and `createMemoryStore`). */
export interface MemoryStoreOptions {
  /** Where records and vectors live. Required. */
  backend: MemoryBackend;
  /** The embedding model (`@rb/embed-batch`'s `createEmbedder()` fits). Required. */
  embedder: MemoryEmbedder;
  /** How `retrieve` finds and orders memories; see `RetrievalOptions` for each default. */
  retrieval?: RetrievalOptions;
  /** Texts per model call when embedding a trace or a restore. Defaults to the embedder's own batch size. */
  batchSize?: number;
  /** The clock (epoch milliseconds) for ids' dates, recency and retention. Defaults to `Date.now`. */
  now?: () => number;
  /** The lexical index kept per workspace for hybrid retrieval. */
  lexicalIndex?: {
    /** Workspaces whose index stays in memory (least recently used dropped first). Defaults to `64`. */
    maxWorkspaces?: number;
    /**
     * Age after which an index is rebuilt from the backend in the background: how stale lexical scores may get when
     * another process writes to the same backend and no `invalidation` seam connects them. Defaults to `60000` ms.
     */
    maxAgeMs?: number;
  };
  /** Connects stores sharing a backend, so each drops what it cached of the others' writes. Defaults to none. */
  invalidation?: InvalidationSeam;
}

export interface ResolvedStoreOptions {
  backend: MemoryBackend;
  embedder: MemoryEmbedder;
  retrieval: ResolvedRetrieval;
  batchSize: number | undefined;
  now: () => number;
  lexicalIndex: { maxWorkspaces: number; maxAgeMs: number; boosts: LexicalFieldBoosts };
  invalidation: InvalidationSeam | undefined;
}

const invalid = (field: string, message: string) => new MemoryError({ code: 'INVALID_OPTIONS', field, message });

export function resolveStoreOptions(options: MemoryStoreOptions): ResolvedStoreOptions {
  const read = new OptionReader(
    options,
    ['backend', 'embedder', 'retrieval', 'batchSize', 'now', 'lexicalIndex', 'invalidation'],
    invalid,
  );
  const backend = read.raw('backend') as MemoryBackend;
  for (const method of ['open', 'writeTrace', 'queryMemories', 'getMemories', 'scanMemories', 'close'] as const) {
    if (typeof (backend as unknown as Record<string, unknown> | undefined)?.[method] !== 'function') {
      read.fail('backend', `a MemoryBackend (with ${method}())`, backend);
    }
  }
  const embedder = read.raw('embedder') as MemoryEmbedder;
  if (typeof embedder?.generateBatch !== 'function') read.fail('embedder', 'an embedder with generateBatch(texts)', embedder);
  if (typeof embedder.model !== 'string' || embedder.model.length === 0) {
    throw invalid('embedder.model', `embedder.model must be a non-empty string, got ${typeof embedder.model}`);
  }
  if (!Number.isSafeInteger(embedder.dimension) || embedder.dimension < 1 || embedder.dimension > 65_536) {
    throw invalid('embedder.dimension', 'embedder.dimension must be an integer 1-65536');
  }
  const lexical = read.nested('lexicalIndex', ['maxWorkspaces', 'maxAgeMs']);
  const invalidation = read.raw('invalidation') as InvalidationSeam | undefined;
  if (invalidation !== undefined && (typeof invalidation?.publish !== 'function' || typeof invalidation.subscribe !== 'function')) {
    read.fail('invalidation', 'an object with publish(event) and subscribe(listener)', invalidation);
  }
  return {
    backend,
    embedder,
    retrieval: resolveRetrieval(read.nested('retrieval', RETRIEVAL_OPTION_NAMES), embedder.model),
    batchSize: read.integer('batchSize', { default: undefined, min: 1, max: 4096 }),
    now: read.function<() => number, () => number>('now', Date.now),
    lexicalIndex: {
      maxWorkspaces: lexical.integer('maxWorkspaces', { default: 64, min: 1, max: 100_000 }),
      maxAgeMs: lexical.number('maxAgeMs', { default: 60_000, min: 0, allowInfinity: true }),
      boosts: DEFAULT_FIELD_BOOSTS,
    },
    invalidation,
  };
}
