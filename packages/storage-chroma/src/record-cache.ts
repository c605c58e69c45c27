import { telemetry } from './telemetry.js';
import { WorkspaceLru, type CacheFigures } from './workspace-lru.js';

/** A memory as Chroma holds it: the JSON document (parsed anew for every caller) and, when read, its vector. */
export interface CachedRecord {
  document: string;
  vector: Float32Array | undefined;
}

/**
 * Memory records by workspace and id (`getMemories`, the lexical candidates of a retrieval, genealogy walks). Filled
 * by reads (under the generation rule of `WriteGenerations`) and by this store's own writes, emptied of what a delete
 * removes.
 */
export class RecordCache {
  private readonly records: WorkspaceLru<CachedRecord>;

  constructor(maxSize: number, ttlMs: number) {
    this.records = new WorkspaceLru<CachedRecord>(maxSize, ttlMs);
  }

  get(workspaceId: string, id: string): CachedRecord | undefined {
    return this.records.get(WorkspaceLru.key(workspaceId, id));
  }

  /** Looks up without counting a hit or a miss (for reads that are not lookups of the caller's). */
  peek(workspaceId: string, id: string): CachedRecord | undefined {
    return this.records.peek(WorkspaceLru.key(workspaceId, id));
  }

  put(workspaceId: string, id: string, record: CachedRecord): void {
    this.records.set(workspaceId, WorkspaceLru.key(workspaceId, id), record);
    telemetry.instruments.memoriesCached.add(1);
  }

  delete(workspaceId: string, ids: readonly string[]): void {
    for (const id of ids) this.records.delete(WorkspaceLru.key(workspaceId, id));
  }

  dropWorkspace(workspaceId: string): void {
    this.records.dropWorkspace(workspaceId);
  }

  clear(): void {
    this.records.clear();
  }

  figures(): CacheFigures {
    return this.records.figures();
  }
}
