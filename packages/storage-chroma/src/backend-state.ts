import { MemoryError } from '@rb/memory';
import type { ChromaApi } from './chroma-api.js';
import { isNotFound } from './errors.js';
import type { RecordCache } from './record-cache.js';
import type { RecordWarmup } from './record-warmup.js';
import type { RetrievalCache } from './retrieval-cache.js';
import type { WorkspaceCollections, WorkspaceRegistry } from './workspace-registry.js';
import type { WriteGenerations } from './write-generations.js';
import type { Journal, WriteJournals } from './write-journal.js';

/** What a failed write of this process left for the next call on its workspace to settle. */
interface Leftover {
  journal: Journal;
  /** The write completed; only its journal is left to delete. */
  committed: boolean;
}

/**
 * What the reads and the writes of one `ChromaBackend` share: the Chroma API, the registry and journals (once open),
 * the caches and the write generations, and the leftovers of failed writes, settled before the next call on their
 * workspace so that no call ever sees what a failed write left.
 */
export class BackendState {
  registryRef: WorkspaceRegistry | undefined;
  journalsRef: WriteJournals | undefined;
  /** Trace ids of writes in flight that did not exist before: not visible until their write completes. */
  readonly pendingTraces = new Map<string, Set<string>>();
  /** Loads whole workspaces into the record cache (with the cache on). */
  warmup: RecordWarmup | undefined;
  private readonly leftovers = new Map<string, Leftover[]>();
  private readonly inBackground = new Set<Promise<unknown>>();

  constructor(
    readonly api: ChromaApi,
    readonly generations: WriteGenerations,
    readonly retrievals: RetrievalCache | undefined,
    readonly records: RecordCache | undefined,
  ) {}

  get registry(): WorkspaceRegistry {
    if (!this.registryRef) throw notOpen();
    return this.registryRef;
  }

  get journals(): WriteJournals {
    if (!this.journalsRef) throw notOpen();
    return this.journalsRef;
  }

  /**
   * Runs `fn` on the workspace's collections (creating them when `create`), or returns `missing()` when it has none.
   * A collection that vanished (another process replaced or dropped the workspace) is looked up again, once.
   */
  async onWorkspace<T>(workspaceId: string, create: boolean, fn: (collections: WorkspaceCollections) => Promise<T>, missing: () => T): Promise<T> {
    await this.settle(workspaceId);
    for (let attempt = 1; ; attempt++) {
      const collections = await this.registry.resolve(workspaceId, create);
      if (!collections) return missing();
      try {
        return await fn(collections);
      } catch (error) {
        if (attempt > 1 || !isNotFound(error)) throw error;
        this.forgetWorkspace(workspaceId);
      }
    }
  }

  /** Keeps what a failed write left, for `settle`. */
  leave(workspaceId: string, journal: Journal, committed: boolean): void {
    const list = this.leftovers.get(workspaceId) ?? [];
    list.push({ journal, committed });
    this.leftovers.set(workspaceId, list);
  }

  /** Finishes what failed writes of this process left in the workspace; until that succeeds, calls on it fail. */
  async settle(workspaceId: string): Promise<void> {
    const list = this.leftovers.get(workspaceId);
    if (!list) return;
    while (list.length > 0) {
      const { journal, committed } = list[0]!;
      if (journal.kind === 'write' && !committed) await this.journals.rollBack(journal);
      if (journal.kind === 'write') await this.journals.end(journal);
      else await this.journals.repair(journal);
      list.shift();
    }
    this.leftovers.delete(workspaceId);
    this.forgetWorkspace(workspaceId);
  }

  /** Work that must finish before `close()` but not before the call that started it returns. */
  background(promise: Promise<unknown>): void {
    this.inBackground.add(promise);
    void promise.finally(() => this.inBackground.delete(promise));
  }

  async drain(): Promise<void> {
    await Promise.allSettled([...this.inBackground]);
  }

  /** Forgets where the workspace's collections are and what the caches hold of it. */
  forgetWorkspace(workspaceId: string): void {
    this.registryRef?.forget(workspaceId);
    this.dropCached(workspaceId);
  }

  /** Drops what the caches hold of the workspace (its records, its retrievals, its warm-up). */
  dropCached(workspaceId: string): void {
    this.retrievals?.dropWorkspace(workspaceId);
    this.records?.dropWorkspace(workspaceId);
    this.warmup?.forget(workspaceId);
  }

  /** Empties the retrieval and/or record caches (the record warm-up with the records). */
  clearCaches(which: { retrievals: boolean; records: boolean } = { retrievals: true, records: true }): void {
    if (which.retrievals) this.retrievals?.clear();
    if (which.records) {
      this.records?.clear();
      this.warmup?.clear();
    }
  }
}

const notOpen = () => new MemoryError({ code: 'BACKEND_ERROR', message: 'the Chroma backend was used before open()' });
