import { randomUUID } from 'node:crypto';
import type { Span } from '@opentelemetry/api';
import type { MemoryBackend, MemoryFilter } from '../backend/memory-backend.js';
import { MemoryError } from '../errors.js';
import { memoryText, type MemoryItem } from '../memory-item.js';
import {
  AddTraceRequestSchema,
  DeleteMemoriesRequestSchema,
  DeleteWorkspaceRequestSchema,
  GenealogyRequestSchema,
  GetMemoriesRequestSchema,
  GetMemoryRequestSchema,
  GetTraceRequestSchema,
  ListTracesRequestSchema,
  RetentionRequestSchema,
  RetrieveRequestSchema,
  UpdateMemoryRequestSchema,
  WorkspaceScopeSchema,
  type AddTraceRequest,
  type AddTraceResult,
  type BackupManifest,
  type BackupRequest,
  type DeleteMemoriesResult,
  type DeleteWorkspaceRequest,
  type Genealogy,
  type GenealogyRequest,
  type ListTracesRequest,
  type MemoryStore,
  type RestoreRequest,
  type RestoreResult,
  type RetentionRequest,
  type RetentionResult,
  type RetrievedMemory,
  type RetrieveRequest,
  type StoreHealth,
  type StoreStatistics,
  type TracePage,
  type UpdateMemoryRequest,
  type WorkspaceScope,
} from '../memory-store.js';
import { parseInput } from '../parse-input.js';
import { LexicalIndexes } from '../retrieval/lexical-indexes.js';
import { TokenVectorCache } from '../retrieval/late-interaction.js';
import { retrieveMemories, type LateInteraction } from '../retrieval/retrieve.js';
import type { Trace } from '../trace.js';
import { backupWorkspace, restoreWorkspace, verifyBackupDir, type BackupContext } from './backup-restore.js';
import { embedTexts } from './embed-texts.js';
import { walkGenealogy } from './genealogy.js';
import type { InvalidationEvent } from './invalidation.js';
import { resolveStoreOptions, type MemoryStoreOptions, type ResolvedStoreOptions } from './memory-store-options.js';
import { applyPatch, prepareTrace } from './prepare-records.js';
import { decodeCursor, encodeCursor, retentionCandidates, scanAll } from './scans.js';
import { StatisticsCounter } from './statistics.js';
import { instrument, recordRetrieved, recordWritten } from './telemetry.js';
import { WorkspaceLocks } from './workspace-locks.js';

const DELETE_CHUNK = 1000;

/**
 * The whole `MemoryStore` contract over any `MemoryBackend`: validation, ids, embedding, the retrieval pipeline,
 * genealogy, retention, statistics, the backup format, per-workspace write ordering, telemetry. Backends differ only
 * in where records and vectors live.
 */
export class BackendMemoryStore implements MemoryStore {
  protected readonly options: ResolvedStoreOptions;
  protected readonly backend: MemoryBackend;
  private readonly locks = new WorkspaceLocks();
  private readonly lexical: LexicalIndexes | undefined;
  private readonly late: LateInteraction | undefined;
  private readonly origin = randomUUID();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly unsubscribe: (() => void) | undefined;
  private opening: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: MemoryStoreOptions) {
    this.options = resolveStoreOptions(options);
    this.backend = this.options.backend;
    this.lexical =
      this.options.retrieval.lexicalWeight > 0 ? new LexicalIndexes(this.backend, this.locks, { ...this.options.lexicalIndex, now: this.options.now }) : undefined;
    // Token vectors depend only on a memory's text, which the cache checks, so other stores' writes never stale it.
    const { embedder, retrieval } = this.options;
    this.late =
      retrieval.lateInteraction && typeof embedder.generateTokenVectors === 'function'
        ? { embedder, cache: new TokenVectorCache(retrieval.lateCacheBytes) }
        : undefined;
    this.unsubscribe = this.options.invalidation?.subscribe((event) => {
      if (event.origin === this.origin || this.closing) return;
      this.locks.bump(event.workspaceId);
      this.lexical?.drop(event.workspaceId);
      this.backend.invalidate?.({ workspaceId: event.workspaceId, ...(event.memoryIds ? { memoryIds: event.memoryIds } : {}) });
    });
  }

  async addTrace(request: AddTraceRequest): Promise<AddTraceResult> {
    const { workspaceId, trace: input } = parseInput(AddTraceRequestSchema, request, '');
    return this.run('add_trace', { 'rb.workspace.id': workspaceId }, async (span) => {
      const { trace, memories } = prepareTrace(workspaceId, input, this.options.now());
      span.setAttribute('rb.memory.count', memories.length);
      const [traceVector, ...memoryVectors] = await embedTexts(this.options.embedder, [trace.task, ...memories.map(memoryText)], this.options.batchSize);
      await this.write(workspaceId, async () => {
        await this.call(() =>
          this.backend.writeTrace({
            workspaceId,
            trace: { record: trace, vector: traceVector! },
            memories: memories.map((record, i) => ({ record, vector: memoryVectors[i]! })),
          }),
        );
        this.lexical?.upserted(workspaceId, memories);
      }, memories.map((m) => m.id));
      recordWritten('memories', memories.length);
      recordWritten('traces', 1);
      return { traceId: trace.id, memoryIds: memories.map((m) => m.id) };
    });
  }

  async retrieve(request: RetrieveRequest): Promise<RetrievedMemory[]> {
    const parsed = parseInput(RetrieveRequestSchema, request, '');
    const k = parsed.k ?? 1;
    return this.run('retrieve', { 'rb.workspace.id': parsed.workspaceId, 'rb.memory.k': k }, async (span) => {
      const [vector] = await embedTexts(this.options.embedder, [parsed.query]);
      const filter: MemoryFilter = {
        ...(parsed.includeFailures === false ? { outcomes: ['success', 'partial'] as const } : {}),
        ...(parsed.domain !== undefined ? { domain: parsed.domain } : {}),
        ...(parsed.tags !== undefined && parsed.tags.length > 0 ? { anyTags: parsed.tags } : {}),
      };
      const results = await this.call(() =>
        retrieveMemories(
          this.backend,
          this.lexical,
          this.options.retrieval,
          { workspaceId: parsed.workspaceId, query: parsed.query, vector: vector!, k, filter, minScore: parsed.minScore, now: this.options.now() },
          this.late,
        ),
      );
      span.setAttribute('rb.memory.results', results.length);
      recordRetrieved(results.length);
      return results;
    });
  }

  async getMemory(request: { workspaceId: string; id: string }): Promise<MemoryItem | undefined> {
    const { workspaceId, id } = parseInput(GetMemoryRequestSchema, request, '');
    return this.run('get_memories', { 'rb.workspace.id': workspaceId }, async () => (await this.fetchMemories(workspaceId, [id]))[0]);
  }

  async getMemories(request: { workspaceId: string; ids: readonly string[] }): Promise<(MemoryItem | undefined)[]> {
    const { workspaceId, ids } = parseInput(GetMemoriesRequestSchema, request, '');
    return this.run('get_memories', { 'rb.workspace.id': workspaceId }, () => this.fetchMemories(workspaceId, ids));
  }

  async getTrace(request: { workspaceId: string; id: string }): Promise<Trace | undefined> {
    const { workspaceId, id } = parseInput(GetTraceRequestSchema, request, '');
    return this.run('get_trace', { 'rb.workspace.id': workspaceId }, async () => {
      const [trace] = await this.call(() => this.backend.getTraces({ workspaceId, ids: [id] }));
      return trace;
    });
  }

  async listTraces(request: ListTracesRequest): Promise<TracePage> {
    const parsed = parseInput(ListTracesRequestSchema, request, '');
    const after = parsed.cursor === undefined ? undefined : decodeCursor(parsed.cursor);
    const limit = parsed.limit ?? 20;
    return this.run('list_traces', { 'rb.workspace.id': parsed.workspaceId }, async () => {
      const traces = await this.call(() =>
        this.backend.listTraces({
          workspaceId: parsed.workspaceId,
          limit: limit + 1,
          ...(after ? { after } : {}),
          ...(parsed.outcome ? { outcome: parsed.outcome } : {}),
        }),
      );
      const page = traces.slice(0, limit);
      return traces.length > limit ? { traces: page, nextCursor: encodeCursor(page[page.length - 1]!) } : { traces: page };
    });
  }

  async getGenealogy(request: GenealogyRequest): Promise<Genealogy | undefined> {
    const { workspaceId, id, maxDepth } = parseInput(GenealogyRequestSchema, request, '');
    return this.run('get_genealogy', { 'rb.workspace.id': workspaceId }, async () => {
      const [memory] = await this.fetchMemories(workspaceId, [id]);
      if (!memory) return undefined;
      return walkGenealogy(memory, maxDepth ?? 10, {
        byIds: (ids) => this.fetchMemories(workspaceId, ids),
        childrenOf: (ids) => this.call(() => this.backend.findChildren({ workspaceId, ids })),
      });
    });
  }

  async getStatistics(request: WorkspaceScope): Promise<StoreStatistics> {
    const { workspaceId } = parseInput(WorkspaceScopeSchema, request, '');
    return this.run('get_statistics', { 'rb.workspace.id': workspaceId }, async () => {
      const counter = new StatisticsCounter();
      await this.call(async () => {
        for await (const rows of scanAll(this.backend, 'memories', workspaceId, false)) rows.forEach((row) => counter.addMemory(row.record as MemoryItem));
        for await (const rows of scanAll(this.backend, 'traces', workspaceId, false)) rows.forEach((row) => counter.addTrace(row.record as Trace));
      });
      return counter.result();
    });
  }

  async updateMemory(request: UpdateMemoryRequest): Promise<MemoryItem> {
    const { workspaceId, id, patch } = parseInput(UpdateMemoryRequestSchema, request, '');
    return this.run('update_memory', { 'rb.workspace.id': workspaceId }, () =>
      this.write(workspaceId, async () => {
        const [current] = await this.call(() => this.backend.getMemories({ workspaceId, ids: [id], withVectors: true }));
        if (!current?.vector) {
          throw new MemoryError({ code: 'NOT_FOUND', field: 'id', message: `no memory ${JSON.stringify(id.slice(0, 100))} in this workspace` });
        }
        const updated = applyPatch(current.record, patch, this.options.now());
        const vector =
          memoryText(updated) === memoryText(current.record) ? current.vector : (await embedTexts(this.options.embedder, [memoryText(updated)]))[0]!;
        await this.call(() => this.backend.putMemory({ workspaceId, row: { record: updated, vector } }));
        this.lexical?.upserted(workspaceId, [updated]);
        return updated;
      }, [id]),
    );
  }

  async deleteMemories(request: { workspaceId: string; ids: readonly string[] }): Promise<DeleteMemoriesResult> {
    const { workspaceId, ids } = parseInput(DeleteMemoriesRequestSchema, request, '');
    return this.run('delete_memories', { 'rb.workspace.id': workspaceId }, () =>
      this.write(workspaceId, async () => {
        const { memoryIds } = await this.call(() => this.backend.deleteRecords({ workspaceId, memoryIds: ids, traceIds: [] }));
        this.lexical?.removed(workspaceId, memoryIds);
        const deleted = new Set(memoryIds);
        const unique = [...new Set(ids)];
        return { deleted: unique.filter((id) => deleted.has(id)), notFound: unique.filter((id) => !deleted.has(id)) };
      }, ids),
    );
  }

  async deleteOlderThan(request: RetentionRequest): Promise<RetentionResult> {
    const { workspaceId, olderThanDays, dryRun = false } = parseInput(RetentionRequestSchema, request, '');
    return this.run('delete_older_than', { 'rb.workspace.id': workspaceId, 'rb.dry_run': dryRun }, async () => {
      const cutoff = new Date(this.options.now() - olderThanDays * 86_400_000).toISOString();
      const old = await this.call(() => retentionCandidates(this.backend, workspaceId, cutoff));
      if (dryRun) return { memories: old.memoryIds.length, traces: old.traceIds.length, dryRun };
      const deleted = { memories: 0, traces: 0 };
      await this.write(workspaceId, async () => {
        for (let i = 0; i < Math.max(old.memoryIds.length, old.traceIds.length); i += DELETE_CHUNK) {
          const memoryIds = old.memoryIds.slice(i, i + DELETE_CHUNK);
          const result = await this.call(() =>
            this.backend.deleteRecords({ workspaceId, memoryIds, traceIds: old.traceIds.slice(i, i + DELETE_CHUNK) }),
          );
          this.lexical?.removed(workspaceId, result.memoryIds);
          deleted.memories += result.memoryIds.length;
          deleted.traces += result.traceIds.length;
        }
      }, old.memoryIds);
      return { ...deleted, dryRun };
    });
  }

  async listWorkspaces(): Promise<string[]> {
    return this.run('list_workspaces', {}, async () => (await this.call(() => this.backend.listWorkspaces())).sort());
  }

  async deleteWorkspace(request: DeleteWorkspaceRequest): Promise<RetentionResult> {
    const { workspaceId, dryRun = false } = parseInput(DeleteWorkspaceRequestSchema, request, '');
    return this.run('delete_workspace', { 'rb.workspace.id': workspaceId, 'rb.dry_run': dryRun }, async () => {
      if (dryRun) return { ...(await this.call(() => this.backend.count({ workspaceId }))), dryRun };
      return this.write(workspaceId, async () => {
        const counts = await this.call(() => this.backend.count({ workspaceId }));
        this.lexical?.drop(workspaceId);
        await this.call(() => this.backend.dropWorkspace({ workspaceId }));
        this.lexical?.drop(workspaceId);
        return { ...counts, dryRun };
      });
    });
  }

  async backup(request: BackupRequest): Promise<BackupManifest> {
    return backupWorkspace(this.backupContext(), request);
  }

  async verifyBackup(request: { dir: string }): Promise<BackupManifest> {
    return verifyBackupDir(this.backupContext(), request);
  }

  async restore(request: RestoreRequest): Promise<RestoreResult> {
    return restoreWorkspace(this.backupContext(), request);
  }

  async health(): Promise<StoreHealth> {
    return this.run('health', {}, async () => {
      const { model, dimension } = this.options.embedder;
      const started = performance.now();
      try {
        await this.call(() => this.backend.ping());
        return { ok: true, backend: this.backend.name, model, dimension, latencyMs: performance.now() - started };
      } catch (error) {
        return { ok: false, backend: this.backend.name, model, dimension, error: error instanceof Error ? error.message : String(error) };
      }
    });
  }

  /** Waits for calls in flight, then releases the backend. Later calls throw `CLOSED`; closing twice is harmless. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.unsubscribe?.();
      await Promise.allSettled([...this.inFlight]);
      await this.locks.drain();
      this.lexical?.clear();
      this.late?.cache.dispose();
      if (this.opening) await this.opening.catch(() => undefined);
      await this.call(() => this.backend.close());
    })();
    return this.closing;
  }

  private backupContext(): BackupContext {
    return {
      backend: this.backend,
      embedder: this.options.embedder,
      batchSize: this.options.batchSize,
      now: this.options.now,
      run: (operation, attributes, fn) => this.run(operation, attributes, fn),
      call: (fn) => this.call(fn),
      write: (workspaceId, fn) => this.write(workspaceId, fn),
      replaced: (workspaceId) => this.lexical?.drop(workspaceId),
    };
  }

  private async fetchMemories(workspaceId: string, ids: readonly string[]): Promise<(MemoryItem | undefined)[]> {
    if (ids.length === 0) return [];
    const rows = await this.call(() => this.backend.getMemories({ workspaceId, ids, withVectors: false }));
    return rows.map((row) => row?.record);
  }

  /**
   * One write of a workspace: after the workspace's earlier writes, generation bumped around it. A write that failed
   * may have had an effect the store cannot know (a timeout), so the workspace's lexical index is rebuilt. Other
   * stores on the same seam hear of it in both cases.
   */
  private async write<T>(workspaceId: string, fn: () => Promise<T>, memoryIds?: readonly string[]): Promise<T> {
    try {
      return await this.locks.write(workspaceId, fn);
    } catch (error) {
      this.lexical?.drop(workspaceId);
      throw error;
    } finally {
      this.announce({ workspaceId, origin: this.origin, ...(memoryIds ? { memoryIds: [...memoryIds] } : {}) });
    }
  }

  /**
   * Tells other stores of a write. A seam that throws must not turn an acknowledged write into a failure (nor hide the
   * write's own error): the other stores then catch up when their caches expire, as without a seam.
   */
  private announce(event: InvalidationEvent): void {
    try {
      this.options.invalidation?.publish(event);
    } catch {
      // See above: the write's outcome stands.
    }
  }

  /** A backend call: opens the backend first, and maps any failure that is not a `MemoryError` to `BACKEND_ERROR`. */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      await this.ready();
      return await fn();
    } catch (cause) {
      if (MemoryError.isInstance(cause)) throw cause;
      throw new MemoryError({
        code: 'BACKEND_ERROR',
        message: `the ${this.backend.name} backend failed: ${cause instanceof Error ? cause.message : String(cause)}`,
        cause,
      });
    }
  }

  private ready(): Promise<void> {
    this.opening ??= this.backend.open({ model: this.options.embedder.model, dimension: this.options.embedder.dimension }).catch((error: unknown) => {
      this.opening = undefined; // a failed open is tried again by the next call
      throw error;
    });
    return this.opening;
  }

  /** Every public call: refused after `close()`, counted as in flight, traced under `@rb/memory`. */
  private run<T>(operation: string, attributes: Record<string, string | number | boolean>, fn: (span: Span) => Promise<T>): Promise<T> {
    if (this.closing) return Promise.reject(new MemoryError({ code: 'CLOSED', message: `the memory store was closed; ${operation} refused` }));
    const promise = instrument(operation, attributes, fn);
    this.inFlight.add(promise);
    const forget = () => this.inFlight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }
}
