import MiniSearch from 'minisearch';
import type { MemoryFilter } from '../backend/memory-backend.js';
import type { MemoryItem } from '../memory-item.js';
import { tokenize } from './tokenize.js';

interface LexicalDocument {
  id: string;
  title: string;
  description: string;
  content: string;
  errorText: string;
  outcome: string;
  domain: string | undefined;
  tags: readonly string[];
}

/** How the fields of a memory weigh in its BM25 score. */
export interface LexicalFieldBoosts {
  title: number;
  description: number;
  content: number;
  errorText: number;
}

export const DEFAULT_FIELD_BOOSTS: LexicalFieldBoosts = { title: 1, description: 1, content: 1, errorText: 1 };

function toDocument(memory: MemoryItem): LexicalDocument {
  const error = memory.errorContext;
  return {
    id: memory.id,
    title: memory.title,
    description: memory.description,
    content: memory.content,
    errorText: error ? `${error.errorType}\n${error.failurePattern}\n${error.correctiveGuidance}` : '',
    outcome: memory.outcome,
    domain: memory.domain,
    tags: memory.tags ?? [],
  };
}

/**
 * BM25 over one workspace's memories (MiniSearch), a second opinion next to the dense similarity. Documents are kept
 * beside the index so a removal is exact and immediate (no background vacuuming, no timers left on exit).
 */
export class LexicalIndex {
  private readonly search_: MiniSearch<LexicalDocument>;
  private readonly documents = new Map<string, LexicalDocument>();

  constructor(private readonly boosts: LexicalFieldBoosts = DEFAULT_FIELD_BOOSTS) {
    this.search_ = new MiniSearch<LexicalDocument>({
      fields: ['title', 'description', 'content', 'errorText'],
      storeFields: [],
      tokenize,
      processTerm: (term) => term,
      autoVacuum: false,
    });
  }

  get size(): number {
    return this.documents.size;
  }

  /** Adds memories, replacing those with the same id. */
  upsert(memories: readonly MemoryItem[]): void {
    for (const memory of memories) {
      this.remove([memory.id]);
      const document = toDocument(memory);
      this.search_.add(document);
      this.documents.set(document.id, document);
    }
  }

  remove(ids: readonly string[]): void {
    for (const id of ids) {
      const document = this.documents.get(id);
      if (!document) continue;
      this.search_.remove(document);
      this.documents.delete(id);
    }
  }

  /** BM25 scores of the `limit` best memories matching `filter`, best first. */
  search(query: string, limit: number, filter: MemoryFilter): { id: string; score: number }[] {
    const outcomes = filter.outcomes ? new Set<string>(filter.outcomes) : undefined;
    const tags = filter.anyTags && filter.anyTags.length > 0 ? new Set(filter.anyTags) : undefined;
    const matches = (id: string) => {
      const document = this.documents.get(id);
      return (
        document !== undefined &&
        (outcomes === undefined || outcomes.has(document.outcome)) &&
        (filter.domain === undefined || document.domain === filter.domain) &&
        (tags === undefined || document.tags.some((tag) => tags.has(tag)))
      );
    };
    return this.search_
      .search(query, {
        boost: { ...this.boosts },
        combineWith: 'OR',
        prefix: false,
        fuzzy: false,
        filter: (result) => matches(result.id as string),
      })
      .slice(0, limit)
      .map((result) => ({ id: result.id as string, score: result.score }));
  }
}
