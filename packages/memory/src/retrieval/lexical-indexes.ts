import type { MemoryBackend } from '../backend/memory-backend.js';
import type { MemoryItem } from '../memory-item.js';
import type { WorkspaceLocks } from '../store/workspace-locks.js';
import { LexicalIndex, type LexicalFieldBoosts } from './lexical-index.js';

interface Entry {
  index: LexicalIndex;
  builtAt: number;
}

export interface LexicalIndexesOptions {
  /** Workspaces whose index is kept; the least recently used is dropped beyond it (and rebuilt when needed). */
  maxWorkspaces: number;
  /** Age after which an index is rebuilt from the backend, so writes of other processes reach it. */
  maxAgeMs: number;
  boosts: LexicalFieldBoosts;
  now: () => number;
}

const PAGE = 500;

/**
 * The lexical index of each workspace, built from the backend when missing and kept current by this store's own
 * writes. A build that overlapped a write (the workspace's generation changed meanwhile) serves the read that asked
 * for it but is never kept, so no later read sees what the write changed through it.
 */
export class LexicalIndexes {
  private readonly entries = new Map<string, Entry>();
  private readonly builds = new Map<string, { generation: number; promise: Promise<LexicalIndex> }>();

  constructor(
    private readonly backend: MemoryBackend,
    private readonly locks: WorkspaceLocks,
    private readonly options: LexicalIndexesOptions,
  ) {}

  /** The workspace's index: the kept one, or one built now (a stale kept one is served while its rebuild runs). */
  async get(workspaceId: string): Promise<LexicalIndex> {
    const entry = this.entries.get(workspaceId);
    if (entry) {
      // Most recently used last, for the LRU bound.
      this.entries.delete(workspaceId);
      this.entries.set(workspaceId, entry);
      if (this.options.now() - entry.builtAt > this.options.maxAgeMs) this.build(workspaceId).catch(() => undefined);
      return entry.index;
    }
    return this.build(workspaceId);
  }

  /** This store wrote memories (inside the workspace's write lock, after the backend acknowledged them). */
  upserted(workspaceId: string, memories: readonly MemoryItem[]): void {
    this.entries.get(workspaceId)?.index.upsert(memories);
  }

  removed(workspaceId: string, ids: readonly string[]): void {
    this.entries.get(workspaceId)?.index.remove(ids);
  }

  /** Forget a workspace's index (a failed write of unknown effect, a restore, another process's change). */
  drop(workspaceId: string): void {
    this.entries.delete(workspaceId);
  }

  clear(): void {
    this.entries.clear();
  }

  private build(workspaceId: string): Promise<LexicalIndex> {
    const generation = this.locks.generation(workspaceId);
    const running = this.builds.get(workspaceId);
    if (running && running.generation === generation) return running.promise;
    const startedAt = this.options.now();
    const promise = (async () => {
      const index = new LexicalIndex(this.options.boosts);
      let cursor: string | undefined;
      do {
        const page = await this.backend.scanMemories({ workspaceId, cursor, limit: PAGE, withVectors: false });
        index.upsert(page.rows.map((row) => row.record));
        cursor = page.nextCursor;
      } while (cursor !== undefined);
      if (this.locks.generation(workspaceId) === generation) this.keep(workspaceId, { index, builtAt: startedAt });
      return index;
    })();
    const build = { generation, promise };
    this.builds.set(workspaceId, build);
    const forget = () => {
      if (this.builds.get(workspaceId) === build) this.builds.delete(workspaceId);
    };
    promise.then(forget, forget);
    return promise;
  }

  private keep(workspaceId: string, entry: Entry): void {
    this.entries.delete(workspaceId);
    this.entries.set(workspaceId, entry);
    while (this.entries.size > this.options.maxWorkspaces) this.entries.delete(this.entries.keys().next().value!);
  }
}
