import { randomUUID } from 'node:crypto';
import {
  MemoryError,
  type BackendOpenContext,
  type MemoryBackend,
  type MemoryFilter,
  type MemoryItem,
  type MemoryRow,
  type Outcome,
  type ReplaceWorkspaceRequest,
  type ScanPage,
  type ScanRequest,
  type ScoredMemory,
  type Trace,
  type TraceRow,
  type Vector,
} from '@rb/memory';
import { ChromaApi } from './chroma-api.js';
import { resolveBackendOptions, type ChromaBackendOptions, type ResolvedBackendOptions } from './chroma-backend-options.js';
import { ChromaReads } from './chroma-reads.js';
import { memoryMetadata, traceMetadata, unitVector } from './chroma-records.js';
import { isNotFound } from './errors.js';
import { processOwner } from './process-identity.js';
import { RecordCache } from './record-cache.js';
import { RetrievalCache, type WrittenMemory } from './retrieval-cache.js';
import type { CacheFigures } from './workspace-lru.js';
import { WorkspaceRegistry, type WorkspaceCollections } from './workspace-registry.js';
import { WriteGenerations } from './write-generations.js';
import { storedRows, WriteJournals, type Journal, type WriteJournal } from './write-journal.js';

/** Backends open in this process: their journals belong to writes that may still be running. */
const LIVE = new Set<string>();

/** What a failed write of this process left for the next call on its workspace to settle. */
interface Leftover {
  journal: Journal;
  /** The write completed; only its journal is left to delete. */
  committed: boolean;
}

/** Cache figures of a Chroma backend, and the requests it sent. */
export interface ChromaCacheStatistics {
  enabled: boolean;
  /** Dense candidates of retrievals, per workspace, query vector and filter. */
  retrievals: CacheFigures | undefined;
  /** Memory records (and vectors) by workspace and id. */
  records: CacheFigures | undefined;
  /** Requests sent to Chroma, by operation (`query`, `get`, `upsert`, ...). */
  requests: Record<string, number>;
}

/**
 * The Chroma storage engine behind `ChromaMemoryStore` (a `MemoryBackend` of `@rb/memory`). Each workspace has its own
 * pair of cosine-space collections, found through a registry collection, so a query never filters by workspace and an
 * id is scoped to its workspace by construction. Multi-step writes are journaled and repaired (see `WriteJournals`);
 * dense candidates, records and query vectors are cached and kept valid by this backend's own writes.
 */
export class ChromaBackend implements MemoryBackend {
  readonly name = 'chroma';
  readonly settings: ResolvedBackendOptions;
  private readonly api: ChromaApi;
  private readonly instance = randomUUID();
  private readonly generations = new WriteGenerations();
  private readonly retrievals: RetrievalCache | undefined;
  private readonly records: RecordCache | undefined;
  private readonly pendingTraces = new Map<string, Set<string>>();
  private readonly leftovers = new Map<string, Leftover[]>();
  private readonly reads: ChromaReads;
  private registryRef: WorkspaceRegistry | undefined;
  private journalsRef: WriteJournals | undefined;
  private opened: { key: string; promise: Promise<void> } | undefined;
  private readonly inBackground = new Set<Promise<unknown>>();

  constructor(options: ChromaBackendOptions = {}) {
    this.settings = resolveBackendOptions(options);
    this.api = new ChromaApi(this.settings.connection);
    const { cache } = this.settings;
    if (cache.enabled) {
      this.retrievals = new RetrievalCache(cache.size, cache.ttlMs);
      this.records = new RecordCache(cache.recordSize, cache.ttlMs);
    }
    this.reads = new ChromaReads({
      api: this.api,
      generations: this.generations,
      retrievals: this.retrievals,
      records: this.records,
      pendingTraces: this.pendingTraces,
      onWorkspace: (workspaceId, read, missing) => this.onWorkspace(workspaceId, false, read, missing),
    });
  }

  /** The URL of the Chroma server, credentials redacted. */
  get url(): string {
    return this.settings.connection.displayUrl;
  }

  /** Connects, checks the bank's model, and repairs interrupted writes. Opening again with the same model is free. */
  open(context: BackendOpenContext): Promise<void> {
    const key = `${context.model}\u0000${context.dimension}`;
    if (this.opened?.key !== key) {
      const promise = this.connect(context);
      this.opened = { key, promise };
      promise.catch(() => {
        if (this.opened?.promise === promise) this.opened = undefined; // a failed open is tried again
      });
    }
    return this.opened.promise;
  }

  private async connect(context: BackendOpenContext): Promise<void> {
    await this.api.preflight();
    const registry = new WorkspaceRegistry(this.api, this.settings.collectionPrefix, context);
    await registry.open();
    const journals = new WriteJournals(this.api, registry, processOwner(this.instance));
    LIVE.add(this.instance);
    this.registryRef = registry;
    this.journalsRef = journals;
    this.clearCaches();
    // What writers that crashed (or closed mid-write) left behind is finished or undone before anything is read.
    for (const journal of await journals.abandoned(LIVE, this.settings.staleWriteMs)) await journals.repair(journal);
  }

  async writeTrace(request: { workspaceId: string; trace: TraceRow; memories: readonly MemoryRow[] }): Promise<void> {
    const { workspaceId, trace, memories } = request;
    const memoryIds = memories.map((row) => row.record.id);
    const traceId = trace.record.id;
    await this.write(workspaceId, async (collections) => {
      const [traceBefore, memoriesBefore] = await Promise.all([
        this.api.get(collections.traces.id, { ids: [traceId], include: ['documents', 'embeddings', 'metadatas'] }),
        memoryIds.length === 0 ? undefined : this.api.get(collections.memories.id, { ids: memoryIds, include: ['documents', 'embeddings', 'metadatas'] }),
      ]);
      const journal = (await this.journals.begin({
        kind: 'write',
        workspaceId,
        collections,
        traceId,
        memoryIds,
        before: { trace: storedRows(traceBefore)[0] ?? null, memories: memoriesBefore ? storedRows(memoriesBefore) : [] },
      })) as WriteJournal;
      // The trace first, then the memories in one upsert: that last request is the commit point, so no reader of any
      // process retrieves a memory whose trace is missing.
      const pending = traceBefore.ids.length === 0 ? this.markPending(workspaceId, traceId) : () => undefined;
      try {
        await this.api.upsert(collections.traces.id, {
          ids: [traceId],
          vectors: [trace.vector],
          documents: [JSON.stringify(trace.record)],
          metadatas: [traceMetadata(trace.record)],
        });
        if (memories.length > 0) {
          await this.api.upsert(collections.memories.id, {
            ids: memoryIds,
            vectors: memories.map((row) => row.vector),
            documents: memories.map((row) => JSON.stringify(row.record)),
            metadatas: memories.map((row) => memoryMetadata(row.record)),
          });
        }
      } catch (error) {
        await this.undo(journal);
        throw error;
      } finally {
        pending();
      }
      // The write is complete: its journal goes in the background (a repair would find the write committed anyway).
      this.background(this.journals.end(journal).catch(() => this.leave(workspaceId, { journal, committed: true })));
      this.remember(workspaceId, memories);
    });
  }

  async putMemory(request: { workspaceId: string; row: MemoryRow }): Promise<void> {
    const { workspaceId, row } = request;
    await this.write(workspaceId, async (collections) => {
      await this.api.upsert(collections.memories.id, {
        ids: [row.record.id],
        vectors: [row.vector],
        documents: [JSON.stringify(row.record)],
        metadatas: [memoryMetadata(row.record)],
      });
      this.remember(workspaceId, [row]);
    });
  }

  async deleteRecords(request: {
    workspaceId: string;
    memoryIds: readonly string[];
    traceIds: readonly string[];
  }): Promise<{ memoryIds: string[]; traceIds: string[] }> {
    const { workspaceId } = request;
    const memoryIds = [...new Set(request.memoryIds)];
    const traceIds = [...new Set(request.traceIds)];
    const none = { memoryIds: [], traceIds: [] };
    if (memoryIds.length === 0 && traceIds.length === 0) return none;
    if (!(await this.registry.resolve(workspaceId, false))) return none;
    return this.write(workspaceId, async ({ memories, traces }) => {
      const existing = async (collectionId: string, ids: string[]) =>
        ids.length === 0 ? [] : (await this.api.get(collectionId, { ids, include: [] })).ids;
      const [memoryHits, traceHits] = await Promise.all([existing(memories.id, memoryIds), existing(traces.id, traceIds)]);
      if (memoryHits.length > 0) await this.api.delete(memories.id, memoryHits);
      if (traceHits.length > 0) await this.api.delete(traces.id, traceHits);
      this.records?.delete(workspaceId, memoryHits);
      this.retrievals?.removed(workspaceId, memoryHits);
      return { memoryIds: memoryHits, traceIds: traceHits };
    });
  }

  /** Fills new collections aside, then switches the registry row to them: readers see the old content until then. */
  async replaceWorkspace(request: ReplaceWorkspaceRequest): Promise<void> {
    const { workspaceId, signal } = request;
    await this.settle(workspaceId);
    await this.generations.around(workspaceId, async () => {
      try {
        const old = (await this.registry.readRow(workspaceId)) ?? null;
        const next = await this.registry.createCollections(workspaceId, this.registry.newGeneration());
        const journal = await this.journals.begin({ kind: 'replace', workspaceId, old, next });
        let rows = 0;
        try {
          for (const [kind, batches] of [['memories', request.memories], ['traces', request.traces]] as const) {
            for await (const batch of batches as AsyncIterable<readonly (MemoryRow | TraceRow)[]>) {
              throwIfAborted(signal);
              await this.api.upsert(next[kind].id, {
                ids: batch.map((row) => row.record.id),
                vectors: batch.map((row) => row.vector),
                documents: batch.map((row) => JSON.stringify(row.record)),
                metadatas: batch.map((row) => (kind === 'memories' ? memoryMetadata(row.record as MemoryItem) : traceMetadata(row.record as Trace))),
              });
              rows += batch.length;
              request.onRows?.(kind, batch.length);
            }
          }
          throwIfAborted(signal);
          if (rows > 0) await this.registry.register(next);
          else if (old) await this.registry.unregister(workspaceId);
        } catch (error) {
          await this.journals.repair(journal).catch(() => this.leave(workspaceId, { journal, committed: false }));
          throw error;
        }
        // Switched: the old collections (or the unused empty new ones) go, and with them the journal.
        await this.journals.repair(journal).catch(() => this.leave(workspaceId, { journal, committed: true }));
      } finally {
        this.forgetWorkspace(workspaceId);
      }
    });
  }

  async dropWorkspace(request: { workspaceId: string }): Promise<void> {
    const { workspaceId } = request;
    await this.settle(workspaceId);
    await this.generations.around(workspaceId, async () => {
      try {
        const collections = await this.registry.readRow(workspaceId);
        if (!collections) return;
        const journal = await this.journals.begin({ kind: 'drop', workspaceId, collections });
        await this.journals.repair(journal); // the repair of a drop is finishing it
      } finally {
        this.forgetWorkspace(workspaceId);
      }
    });
  }

  queryMemories(request: { workspaceId: string; vector: Float32Array; limit: number; filter: MemoryFilter }): Promise<ScoredMemory[]> {
    return this.reads.queryMemories(request);
  }

  getMemories(request: { workspaceId: string; ids: readonly string[]; withVectors: boolean }): Promise<({ record: MemoryItem; vector?: Vector } | undefined)[]> {
    return this.reads.getMemories(request);
  }

  getTraces(request: { workspaceId: string; ids: readonly string[] }): Promise<(Trace | undefined)[]> {
    return this.reads.getTraces(request);
  }

  findChildren(request: { workspaceId: string; ids: readonly string[] }): Promise<MemoryItem[]> {
    return this.reads.findChildren(request);
  }

  listTraces(request: { workspaceId: string; limit: number; after?: { createdAt: string; id: string }; outcome?: Outcome }): Promise<Trace[]> {
    return this.reads.listTraces(request);
  }

  scanMemories(request: ScanRequest): Promise<ScanPage<MemoryItem>> {
    return this.reads.scanMemories(request);
  }

  scanTraces(request: ScanRequest): Promise<ScanPage<Trace>> {
    return this.reads.scanTraces(request);
  }

  count(request: { workspaceId: string }): Promise<{ memories: number; traces: number }> {
    return this.reads.count(request);
  }

  async listWorkspaces(): Promise<string[]> {
    const rows = await this.registry.list();
    const counted = await Promise.all(rows.map(async (row) => ({ workspaceId: row.workspaceId, ...(await this.count({ workspaceId: row.workspaceId })) })));
    return counted.filter((row) => row.memories + row.traces > 0).map((row) => row.workspaceId);
  }

  async ping(): Promise<void> {
    await this.api.heartbeat();
  }

  /** Another process changed the workspace: what this backend cached of it, and where its collections are, may be stale. */
  invalidate(event: { workspaceId: string; memoryIds?: readonly string[] }): void {
    this.generations.bump(event.workspaceId);
    this.registryRef?.forget(event.workspaceId);
    this.retrievals?.dropWorkspace(event.workspaceId);
    if (event.memoryIds) this.records?.delete(event.workspaceId, event.memoryIds);
    else this.records?.dropWorkspace(event.workspaceId);
  }

  cacheStatistics(): ChromaCacheStatistics {
    return {
      enabled: this.settings.cache.enabled,
      retrievals: this.retrievals?.figures(),
      records: this.records?.figures(),
      requests: this.api.http.requestCounts(),
    };
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.inBackground]);
    LIVE.delete(this.instance);
    this.opened = undefined;
    this.clearCaches();
    await this.api.close();
  }

  private get registry(): WorkspaceRegistry {
    if (!this.registryRef) throw new MemoryError({ code: 'BACKEND_ERROR', message: 'the Chroma backend was used before open()' });
    return this.registryRef;
  }

  private get journals(): WriteJournals {
    if (!this.journalsRef) throw new MemoryError({ code: 'BACKEND_ERROR', message: 'the Chroma backend was used before open()' });
    return this.journalsRef;
  }

  /**
   * A write of one workspace: what an earlier failed write left is settled first, the generation is bumped around it,
   * and a failure (whose effect Chroma may or may not have applied) drops what the caches hold of the workspace.
   */
  private async write<T>(workspaceId: string, fn: (collections: WorkspaceCollections) => Promise<T>): Promise<T> {
    await this.settle(workspaceId);
    return this.generations.around(workspaceId, async () => {
      try {
        return await this.onWorkspace(workspaceId, true, fn, () => {
          throw new MemoryError({ code: 'BACKEND_ERROR', message: 'the workspace could not be created' });
        });
      } catch (error) {
        this.retrievals?.dropWorkspace(workspaceId);
        this.records?.dropWorkspace(workspaceId);
        throw error;
      }
    });
  }

  private async onWorkspace<T>(workspaceId: string, create: boolean, fn: (collections: WorkspaceCollections) => Promise<T>, missing: () => T): Promise<T> {
    await this.settle(workspaceId);
    for (let attempt = 1; ; attempt++) {
      const collections = await this.registry.resolve(workspaceId, create);
      if (!collections) return missing();
      try {
        return await fn(collections);
      } catch (error) {
        // Another process replaced or dropped the workspace since this one looked it up: look again, once.
        if (attempt > 1 || !isNotFound(error)) throw error;
        this.forgetWorkspace(workspaceId);
      }
    }
  }

  /** Undoes a write that failed; if even that fails, its journal stays and the next call on the workspace retries. */
  private async undo(journal: WriteJournal): Promise<void> {
    try {
      await this.journals.rollBack(journal);
      await this.journals.end(journal);
    } catch {
      this.leave(journal.workspaceId, { journal, committed: false });
    }
  }

  private leave(workspaceId: string, leftover: Leftover): void {
    const list = this.leftovers.get(workspaceId) ?? [];
    list.push(leftover);
    this.leftovers.set(workspaceId, list);
  }

  /** Finishes what failed writes of this process left in the workspace; until that succeeds, calls on it fail. */
  private async settle(workspaceId: string): Promise<void> {
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

  private background(promise: Promise<unknown>): void {
    this.inBackground.add(promise);
    void promise.finally(() => this.inBackground.delete(promise));
  }

  private markPending(workspaceId: string, traceId: string): () => void {
    let ids = this.pendingTraces.get(workspaceId);
    if (!ids) this.pendingTraces.set(workspaceId, (ids = new Set()));
    ids.add(traceId);
    return () => {
      ids.delete(traceId);
      if (ids.size === 0 && this.pendingTraces.get(workspaceId) === ids) this.pendingTraces.delete(workspaceId);
    };
  }

  /** Memories this backend wrote (Chroma acknowledged them): the caches take them in at once. */
  private remember(workspaceId: string, rows: readonly MemoryRow[]): void {
    if (!this.retrievals || !this.records) return;
    const written: WrittenMemory[] = rows.map((row) => ({ record: row.record, document: JSON.stringify(row.record), unit: unitVector(row.vector) }));
    written.forEach((memory, i) => this.records!.put(workspaceId, memory.record.id, { document: memory.document, vector: Float32Array.from(rows[i]!.vector) }));
    this.retrievals.upserted(workspaceId, written);
  }

  private forgetWorkspace(workspaceId: string): void {
    this.registryRef?.forget(workspaceId);
    this.retrievals?.dropWorkspace(workspaceId);
    this.records?.dropWorkspace(workspaceId);
  }

  private clearCaches(): void {
    this.retrievals?.clear();
    this.records?.clear();
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new MemoryError({ code: 'ABORTED', message: 'the restore was cancelled by the caller', cause: signal.reason });
}
