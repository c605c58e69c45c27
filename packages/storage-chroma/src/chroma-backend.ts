import { randomUUID } from 'node:crypto';
import type {
  BackendOpenContext,
  MemoryBackend,
  MemoryFilter,
  MemoryItem,
  MemoryRow,
  Outcome,
  ReplaceWorkspaceRequest,
  ScanPage,
  ScanRequest,
  ScoredMemory,
  Trace,
  TraceRow,
  Vector,
} from '@rb/memory';
import { BackendState } from './backend-state.js';
import { ChromaApi } from './chroma-api.js';
import { resolveBackendOptions, type ChromaBackendOptions, type ResolvedBackendOptions } from './chroma-backend-options.js';
import { ChromaReads } from './chroma-reads.js';
import { ChromaWrites } from './chroma-writes.js';
import { processOwner } from './process-identity.js';
import { RecordCache } from './record-cache.js';
import { RecordWarmup } from './record-warmup.js';
import { RetrievalCache } from './retrieval-cache.js';
import type { CacheFigures } from './workspace-lru.js';
import { WorkspaceRegistry } from './workspace-registry.js';
import { WriteGenerations } from './write-generations.js';
import { WriteJournals } from './write-journal.js';

/** Backends open in this process: their journals belong to writes that may still be running. */
const LIVE = new Set<string>();

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
 * dense candidates and records are cached and kept valid by this backend's own writes.
 */
export class ChromaBackend implements MemoryBackend {
  readonly name = 'chroma';
  readonly settings: ResolvedBackendOptions;
  private readonly instance = randomUUID();
  private readonly state: BackendState;
  private readonly reads: ChromaReads;
  private readonly writes: ChromaWrites;
  private opened: { key: string; promise: Promise<void> } | undefined;

  constructor(options: ChromaBackendOptions = {}) {
    this.settings = resolveBackendOptions(options);
    const { cache } = this.settings;
    this.state = new BackendState(
      new ChromaApi(this.settings.connection),
      new WriteGenerations(),
      cache.enabled ? new RetrievalCache(cache.size, cache.ttlMs) : undefined,
      cache.enabled ? new RecordCache(cache.recordSize, cache.ttlMs) : undefined,
    );
    if (cache.enabled) {
      this.state.warmup = new RecordWarmup(this.state.api, this.state.records!, this.state.generations, cache.recordSize, cache.ttlMs, (work) =>
        this.state.background(work),
      );
    }
    this.reads = new ChromaReads(this.state);
    this.writes = new ChromaWrites(this.state);
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

  writeTrace(request: { workspaceId: string; trace: TraceRow; memories: readonly MemoryRow[] }): Promise<void> {
    return this.writes.writeTrace(request);
  }

  putMemory(request: { workspaceId: string; row: MemoryRow }): Promise<void> {
    return this.writes.putMemory(request);
  }

  deleteRecords(request: { workspaceId: string; memoryIds: readonly string[]; traceIds: readonly string[] }): Promise<{ memoryIds: string[]; traceIds: string[] }> {
    return this.writes.deleteRecords(request);
  }

  replaceWorkspace(request: ReplaceWorkspaceRequest): Promise<void> {
    return this.writes.replaceWorkspace(request);
  }

  dropWorkspace(request: { workspaceId: string }): Promise<void> {
    return this.writes.dropWorkspace(request);
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
    const rows = await this.state.registry.list();
    const counted = await Promise.all(rows.map(async (row) => ({ workspaceId: row.workspaceId, ...(await this.count({ workspaceId: row.workspaceId })) })));
    return counted.filter((row) => row.memories + row.traces > 0).map((row) => row.workspaceId);
  }

  async ping(): Promise<void> {
    await this.state.api.heartbeat();
  }

  /** Another process changed the workspace: what this backend cached of it, and where its collections are, may be stale. */
  invalidate(event: { workspaceId: string; memoryIds?: readonly string[] }): void {
    const { generations, registryRef, retrievals, records, warmup } = this.state;
    generations.bump(event.workspaceId);
    registryRef?.forget(event.workspaceId);
    retrievals?.dropWorkspace(event.workspaceId);
    warmup?.forget(event.workspaceId);
    if (event.memoryIds) records?.delete(event.workspaceId, event.memoryIds);
    else records?.dropWorkspace(event.workspaceId);
  }

  cacheStatistics(): ChromaCacheStatistics {
    return {
      enabled: this.settings.cache.enabled,
      retrievals: this.state.retrievals?.figures(),
      records: this.state.records?.figures(),
      requests: this.state.api.http.requestCounts(),
    };
  }

  /** Empties the retrieval and/or record caches: nothing stored is lost, later reads ask Chroma again. */
  clearCaches(which?: { retrievals: boolean; records: boolean }): void {
    this.state.clearCaches(which);
  }

  async close(): Promise<void> {
    this.state.warmup?.stop();
    await this.state.drain();
    LIVE.delete(this.instance);
    this.opened = undefined;
    this.state.clearCaches();
    await this.state.api.close();
  }

  private async connect(context: BackendOpenContext): Promise<void> {
    const { api } = this.state;
    await api.preflight();
    const registry = new WorkspaceRegistry(api, this.settings.collectionPrefix, context);
    await registry.open();
    const journals = new WriteJournals(api, registry, processOwner(this.instance));
    LIVE.add(this.instance);
    this.state.registryRef = registry;
    this.state.journalsRef = journals;
    this.state.clearCaches();
    // What writers that crashed (or closed mid-write) left behind is finished or undone before anything is read.
    for (const journal of await journals.abandoned(LIVE, this.settings.staleWriteMs)) await journals.repair(journal);
  }
}
