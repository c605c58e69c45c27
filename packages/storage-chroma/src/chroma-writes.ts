import { MemoryError, unitVector, type MemoryItem, type MemoryRow, type ReplaceWorkspaceRequest, type Trace, type TraceRow } from '@rb/memory';
import type { BackendState } from './backend-state.js';
import { memoryMetadata, traceMetadata } from './chroma-records.js';
import type { WrittenMemory } from './retrieval-cache.js';
import type { WorkspaceCollections } from './workspace-registry.js';
import { storedRows, type WriteJournal } from './write-journal.js';

/**
 * The backend's writes. Each runs after what an earlier failed write of its workspace left was settled, between two
 * bumps of the workspace's write generation; a failure (whose effect Chroma may or may not have applied) drops what
 * the caches hold of the workspace, a success updates them in place.
 */
export class ChromaWrites {
  constructor(private readonly state: BackendState) {}

  async writeTrace(request: { workspaceId: string; trace: TraceRow; memories: readonly MemoryRow[] }): Promise<void> {
    const { workspaceId, trace, memories } = request;
    const { api, journals } = this.state;
    const memoryIds = memories.map((row) => row.record.id);
    const traceId = trace.record.id;
    await this.write(workspaceId, async (collections) => {
      const include = ['documents', 'embeddings', 'metadatas'] as const;
      const [traceBefore, memoriesBefore] = await Promise.all([
        api.get(collections.traces.id, { ids: [traceId], include: [...include] }),
        memoryIds.length === 0 ? undefined : api.get(collections.memories.id, { ids: memoryIds, include: [...include] }),
      ]);
      const journal = (await journals.begin({
        kind: 'write',
        workspaceId,
        collections,
        traceId,
        memoryIds,
        before: { trace: storedRows(traceBefore)[0] ?? null, memories: memoriesBefore ? storedRows(memoriesBefore) : [] },
      })) as WriteJournal;
      // The trace first, then the memories in one upsert: that last request is the commit point, so no reader of any
      // process retrieves a memory whose trace is missing.
      const visible = traceBefore.ids.length === 0 ? this.hideUntilDone(workspaceId, traceId) : () => undefined;
      try {
        await api.upsert(collections.traces.id, {
          ids: [traceId],
          vectors: [trace.vector],
          documents: [JSON.stringify(trace.record)],
          metadatas: [traceMetadata(trace.record)],
        });
        if (memories.length > 0) {
          await api.upsert(collections.memories.id, {
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
        visible();
      }
      // The write is complete: its journal goes in the background (a repair would find the write committed anyway).
      this.state.background(journals.end(journal).catch(() => this.state.leave(workspaceId, journal, true)));
      this.remember(workspaceId, memories);
    });
  }

  async putMemory(request: { workspaceId: string; row: MemoryRow }): Promise<void> {
    const { workspaceId, row } = request;
    await this.write(workspaceId, async (collections) => {
      await this.state.api.upsert(collections.memories.id, {
        ids: [row.record.id],
        vectors: [row.vector],
        documents: [JSON.stringify(row.record)],
        metadatas: [memoryMetadata(row.record)],
      });
      this.remember(workspaceId, [row]);
    });
  }

  async deleteRecords(request: { workspaceId: string; memoryIds: readonly string[]; traceIds: readonly string[] }): Promise<{ memoryIds: string[]; traceIds: string[] }> {
    const { workspaceId } = request;
    const { api } = this.state;
    const memoryIds = [...new Set(request.memoryIds)];
    const traceIds = [...new Set(request.traceIds)];
    const none = { memoryIds: [], traceIds: [] };
    if (memoryIds.length === 0 && traceIds.length === 0) return none;
    await this.state.settle(workspaceId);
    if (!(await this.state.registry.resolve(workspaceId, false))) return none;
    return this.write(workspaceId, async ({ memories, traces }) => {
      const existing = async (collectionId: string, ids: string[]) => (ids.length === 0 ? [] : (await api.get(collectionId, { ids, include: [] })).ids);
      const [memoryHits, traceHits] = await Promise.all([existing(memories.id, memoryIds), existing(traces.id, traceIds)]);
      if (memoryHits.length > 0) await api.delete(memories.id, memoryHits);
      if (traceHits.length > 0) await api.delete(traces.id, traceHits);
      this.state.records?.delete(workspaceId, memoryHits);
      this.state.retrievals?.removed(workspaceId, memoryHits);
      return { memoryIds: memoryHits, traceIds: traceHits };
    });
  }

  /** Fills new collections aside, then switches the registry row to them: readers see the old content until then. */
  async replaceWorkspace(request: ReplaceWorkspaceRequest): Promise<void> {
    const { workspaceId, signal } = request;
    const { api, registry, journals } = this.state;
    await this.state.settle(workspaceId);
    await this.state.generations.around(workspaceId, async () => {
      try {
        const old = (await registry.readRow(workspaceId)) ?? null;
        const next = await registry.createCollections(workspaceId, registry.newGeneration());
        const journal = await journals.begin({ kind: 'replace', workspaceId, old, next });
        let rows = 0;
        try {
          for (const [kind, batches] of [['memories', request.memories], ['traces', request.traces]] as const) {
            for await (const batch of batches as AsyncIterable<readonly (MemoryRow | TraceRow)[]>) {
              throwIfAborted(signal);
              await api.upsert(next[kind].id, {
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
          if (rows > 0) await registry.register(next);
          else if (old) await registry.unregister(workspaceId);
        } catch (error) {
          await journals.repair(journal).catch(() => this.state.leave(workspaceId, journal, false));
          throw error;
        }
        // Switched: the old collections (or the unused empty new ones) go, and with them the journal.
        await journals.repair(journal).catch(() => this.state.leave(workspaceId, journal, true));
      } finally {
        this.state.forgetWorkspace(workspaceId);
      }
    });
  }

  async dropWorkspace(request: { workspaceId: string }): Promise<void> {
    const { workspaceId } = request;
    await this.state.settle(workspaceId);
    await this.state.generations.around(workspaceId, async () => {
      try {
        const collections = await this.state.registry.readRow(workspaceId);
        if (!collections) return;
        const journal = await this.state.journals.begin({ kind: 'drop', workspaceId, collections });
        await this.state.journals.repair(journal); // the repair of a drop is finishing it
      } finally {
        this.state.forgetWorkspace(workspaceId);
      }
    });
  }

  private async write<T>(workspaceId: string, fn: (collections: WorkspaceCollections) => Promise<T>): Promise<T> {
    await this.state.settle(workspaceId);
    return this.state.generations.around(workspaceId, async () => {
      try {
        return await this.state.onWorkspace(workspaceId, true, fn, () => {
          throw new MemoryError({ code: 'BACKEND_ERROR', message: 'the workspace could not be created' });
        });
      } catch (error) {
        this.state.dropCached(workspaceId);
        throw error;
      }
    });
  }

  /** Undoes a write that failed; if even that fails, its journal stays and the next call on the workspace retries. */
  private async undo(journal: WriteJournal): Promise<void> {
    try {
      await this.state.journals.rollBack(journal);
      await this.state.journals.end(journal);
    } catch {
      this.state.leave(journal.workspaceId, journal, false);
    }
  }

  /** Hides a new trace from this process's readers until its write completes; returns the function that shows it. */
  private hideUntilDone(workspaceId: string, traceId: string): () => void {
    const { pendingTraces } = this.state;
    let ids = pendingTraces.get(workspaceId);
    if (!ids) pendingTraces.set(workspaceId, (ids = new Set()));
    ids.add(traceId);
    return () => {
      ids.delete(traceId);
      if (ids.size === 0 && pendingTraces.get(workspaceId) === ids) pendingTraces.delete(workspaceId);
    };
  }

  /** Memories this backend wrote (Chroma acknowledged them): the caches take them in at once. */
  private remember(workspaceId: string, rows: readonly MemoryRow[]): void {
    const { retrievals, records } = this.state;
    if (!retrievals || !records) return;
    const written: WrittenMemory[] = rows.map((row) => ({ record: row.record, document: JSON.stringify(row.record), unit: unitVector(row.vector) }));
    written.forEach((memory, i) => records.put(workspaceId, memory.record.id, { document: memory.document, vector: Float32Array.from(rows[i]!.vector) }));
    retrievals.upserted(workspaceId, written);
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new MemoryError({ code: 'ABORTED', message: 'the restore was cancelled by the caller', cause: signal.reason });
}
