import { createHash } from 'node:crypto';
import { compileFilter, dot, type MemoryFilter, type MemoryItem } from '@rb/memory';
import { WorkspaceLru, type CacheFigures } from './workspace-lru.js';

/** A dense candidate as Chroma ranked it: the record's document (JSON) and its cosine similarity to the query. */
export interface Candidate {
  id: string;
  similarity: number;
  document: string;
}

/** A memory this store just wrote, with its vector scaled to length 1. */
export interface WrittenMemory {
  record: MemoryItem;
  document: string;
  unit: Float32Array;
}

interface Entry {
  /** The query vector, length 1. */
  query: Float32Array;
  matches: (memory: MemoryItem) => boolean;
  /**
   * The most similar memories matching the filter, most similar first: always exactly the top `rows.length` of the
   * workspace as it is now, since every write of this store updates it (see `upserted`, `removed`).
   */
  rows: Candidate[];
  /** Whether `rows` holds every matching memory of the workspace (the workspace had fewer than were asked for). */
  complete: boolean;
  /** How many rows were fetched: the list never grows past it. */
  capacity: number;
}

/**
 * The dense candidates of recent retrievals, per workspace, query vector and filter. The key is the query's vector, so
 * two queries the model embeds identically share an entry. Writes of this store keep entries valid instead of dropping
 * them: a new or changed memory is scored against each cached query vector (its vector is at hand) and inserted where
 * it ranks, a deleted one is removed. A list stays the exact top of the workspace, so it serves any request for no more
 * rows than it holds; it is fetched with some slack, so that deletions rarely shorten it below what is asked.
 */
export class RetrievalCache {
  private readonly entries: WorkspaceLru<Entry>;

  constructor(maxSize: number, ttlMs: number) {
    this.entries = new WorkspaceLru<Entry>(maxSize, ttlMs);
  }

  key(workspaceId: string, vector: Float32Array, filter: MemoryFilter): string {
    const hash = createHash('sha256').update(new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength)).digest('base64url');
    const canonical = JSON.stringify([[...(filter.outcomes ?? [])].sort(), filter.domain ?? null, [...(filter.anyTags ?? [])].sort()]);
    return WorkspaceLru.key(workspaceId, canonical, hash);
  }

  /** The first `limit` candidates, when the entry holds that many (or all there are). */
  get(key: string, limit: number): Candidate[] | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.rows.length < limit && !entry.complete) return undefined;
    return entry.rows.slice(0, limit);
  }

  put(key: string, workspaceId: string, query: Float32Array, filter: MemoryFilter, rows: Candidate[], fetched: number): void {
    this.entries.set(workspaceId, key, {
      query,
      matches: compileFilter(filter),
      rows,
      complete: rows.length < fetched,
      capacity: fetched,
    });
  }

  /** Memories were added or changed (after Chroma acknowledged the write). */
  upserted(workspaceId: string, memories: readonly WrittenMemory[]): void {
    for (const [, entry] of this.entries.values(workspaceId)) {
      for (const memory of memories) {
        const at = entry.rows.findIndex((row) => row.id === memory.record.id);
        if (at >= 0) entry.rows.splice(at, 1);
        if (!entry.matches(memory.record)) continue;
        const similarity = dot(entry.query, memory.unit);
        const last = entry.rows[entry.rows.length - 1];
        // Below the last row of an incomplete list, its rank among the rows not fetched is unknown: it stays out.
        if (!entry.complete && (last === undefined || similarity <= last.similarity)) continue;
        insertByScore(entry.rows, { id: memory.record.id, similarity, document: memory.document });
        if (entry.rows.length > entry.capacity) {
          entry.rows.pop();
          entry.complete = false;
        }
      }
    }
  }

  /** Memories were deleted. */
  removed(workspaceId: string, ids: readonly string[]): void {
    const gone = new Set(ids);
    for (const [, entry] of this.entries.values(workspaceId)) entry.rows = entry.rows.filter((row) => !gone.has(row.id));
  }

  dropWorkspace(workspaceId: string): void {
    this.entries.dropWorkspace(workspaceId);
  }

  clear(): void {
    this.entries.clear();
  }

  figures(): CacheFigures {
    return this.entries.figures();
  }
}

function insertByScore(rows: Candidate[], row: Candidate): void {
  let low = 0;
  let high = rows.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (rows[mid]!.similarity >= row.similarity) low = mid + 1;
    else high = mid;
  }
  rows.splice(low, 0, row);
}
