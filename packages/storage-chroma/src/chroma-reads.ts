import { unitVector, type MemoryFilter, type MemoryItem, type Outcome, type ScanPage, type ScanRequest, type ScoredMemory, type Trace, type Vector } from '@rb/memory';
import type { BackendState } from './backend-state.js';
import type { GetResult, Include } from './chroma-api.js';
import { anyOf, derivedKey, filterWhere, type Where } from './chroma-records.js';
import type { Candidate } from './retrieval-cache.js';
import { ScanSnapshots } from './scan-snapshots.js';
import type { WorkspaceCollections } from './workspace-registry.js';


const CHILDREN_CHUNK = 50;

/** The backend's reads: retrieval candidates (cached), records by id (cached), traces, children, listings, scans. */
export class ChromaReads {
  private readonly scans = new ScanSnapshots();

  constructor(private readonly state: BackendState) {}

  async queryMemories(request: { workspaceId: string; vector: Float32Array; limit: number; filter: MemoryFilter }): Promise<ScoredMemory[]> {
    const { workspaceId, vector, limit, filter } = request;
    const { retrievals } = this.state;
    const key = retrievals?.key(workspaceId, vector, filter);
    const cached = key === undefined ? undefined : retrievals!.get(key, limit);
    if (cached) return cached.map(toScored);
    return this.onWorkspace(
      workspaceId,
      async ({ memories }) => {
        const generation = this.state.generations.current(workspaceId);
        // With the cache on, a little more than asked: deletions then rarely shorten a cached list below a request.
        const fetched = key === undefined ? limit : limit + Math.max(5, Math.ceil(limit / 4));
        const where = filterWhere(filter);
        // A warm workspace's documents are in the record cache: Chroma then sends ids and distances only.
        const warm = this.state.warmup?.isWarm(workspaceId) === true;
        this.state.warmup?.touch(workspaceId, memories.id);
        const include: Include[] = warm ? ['distances'] : ['documents', 'distances'];
        const result = await this.state.api.query(memories.id, { vector, nResults: fetched, include, ...(where ? { where } : {}) });
        const ids = result.ids[0] ?? [];
        const documents = warm ? await this.documentsOf(workspaceId, memories.id, ids, generation) : result.documents?.[0];
        const rows: Candidate[] = [];
        ids.forEach((id, i) => {
          const document = documents instanceof Map ? documents.get(id) : documents?.[i];
          if (document) rows.push({ id, similarity: 1 - (result.distances?.[0]?.[i] ?? 2), document });
        });
        if (key !== undefined && rows.length === ids.length && this.state.generations.current(workspaceId) === generation) {
          retrievals!.put(key, workspaceId, unitVector(vector), filter, rows, fetched);
        }
        return rows.slice(0, limit).map(toScored);
      },
      () => [],
    );
  }

  /** Documents of `ids` from the record cache, the missing ones read from Chroma (and cached under the generation rule). */
  private async documentsOf(workspaceId: string, collectionId: string, ids: readonly string[], generation: number): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    const missing: string[] = [];
    for (const id of ids) {
      const cached = this.state.records?.peek(workspaceId, id);
      if (cached) found.set(id, cached.document);
      else missing.push(id);
    }
    if (missing.length > 0) {
      const result = await this.state.api.get(collectionId, { ids: missing, include: ['documents'] });
      const keep = this.state.generations.current(workspaceId) === generation;
      result.ids.forEach((id, i) => {
        const document = result.documents?.[i];
        if (!document) return;
        found.set(id, document);
        if (keep) this.state.records?.put(workspaceId, id, { document, vector: undefined });
      });
    }
    return found;
  }

  async getMemories(request: {
    workspaceId: string;
    ids: readonly string[];
    withVectors: boolean;
  }): Promise<({ record: MemoryItem; vector?: Vector } | undefined)[]> {
    const { workspaceId, ids, withVectors } = request;
    const { records } = this.state;
    const found = new Map<string, { document: string; vector: Float32Array | undefined }>();
    const missing: string[] = [];
    for (const id of new Set(ids)) {
      const cached = records?.get(workspaceId, id);
      if (cached && (!withVectors || cached.vector)) found.set(id, cached);
      else missing.push(id);
    }
    if (missing.length > 0) {
      await this.onWorkspace(
        workspaceId,
        async ({ memories }) => {
          const generation = this.state.generations.current(workspaceId);
          const result = await this.state.api.get(memories.id, { ids: missing, include: withVectors ? ['documents', 'embeddings'] : ['documents'] });
          const keep = this.state.generations.current(workspaceId) === generation;
          result.ids.forEach((id, i) => {
            const document = result.documents?.[i];
            if (!document) return;
            const embedding = result.embeddings?.[i];
            const entry = { document, vector: embedding ? Float32Array.from(embedding) : undefined };
            found.set(id, entry);
            if (keep) records?.put(workspaceId, id, entry);
          });
        },
        () => undefined,
      );
    }
    return ids.map((id) => {
      const entry = found.get(id);
      if (!entry) return undefined;
      const record = JSON.parse(entry.document) as MemoryItem;
      return withVectors ? { record, vector: entry.vector!.slice() } : { record };
    });
  }

  async getTraces(request: { workspaceId: string; ids: readonly string[] }): Promise<(Trace | undefined)[]> {
    const { workspaceId, ids } = request;
    const documents = await this.onWorkspace(
      workspaceId,
      async ({ traces }) => byId(await this.state.api.get(traces.id, { ids: [...new Set(ids)], include: ['documents'] })),
      () => new Map<string, string>(),
    );
    const pending = this.state.pendingTraces.get(workspaceId);
    return ids.map((id) => {
      const document = documents.get(id);
      return document === undefined || pending?.has(id) ? undefined : (JSON.parse(document) as Trace);
    });
  }

  async findChildren(request: { workspaceId: string; ids: readonly string[] }): Promise<MemoryItem[]> {
    const { workspaceId } = request;
    const parents = [...new Set(request.ids)];
    return this.onWorkspace(
      workspaceId,
      async ({ memories }) => {
        const children = new Map<string, MemoryItem>();
        for (let i = 0; i < parents.length; i += CHILDREN_CHUNK) {
          const chunk = parents.slice(i, i + CHILDREN_CHUNK);
          const where = anyOf([{ parentId: { $in: chunk } }, ...chunk.map((id) => ({ [derivedKey(id)]: true }))])!;
          const result = await this.state.api.get(memories.id, { where, include: ['documents'] });
          for (const [id, document] of byId(result)) children.set(id, JSON.parse(document) as MemoryItem);
        }
        return [...children.values()];
      },
      () => [],
    );
  }

  /**
   * Newest first. Chroma cannot sort, so the page is chosen from the ids and dates (metadata only) of the traces at or
   * before the cursor's date, then only the page's documents are read.
   */
  async listTraces(request: { workspaceId: string; limit: number; after?: { createdAt: string; id: string }; outcome?: Outcome }): Promise<Trace[]> {
    const { workspaceId, limit, after, outcome } = request;
    const afterMs = after === undefined ? undefined : Date.parse(after.createdAt);
    const pending = this.state.pendingTraces.get(workspaceId);
    return this.onWorkspace(
      workspaceId,
      async ({ traces }) => {
        const conditions: Where[] = [];
        if (outcome !== undefined) conditions.push({ outcome });
        if (afterMs !== undefined) conditions.push({ createdAt: { $lte: afterMs } });
        const where = conditions.length === 0 ? undefined : conditions.length === 1 ? conditions[0] : { $and: conditions };
        const listed = await this.state.api.get(traces.id, { include: ['metadatas'], ...(where ? { where } : {}) });
        const order = listed.ids
          .map((id, i) => ({ id, at: Number(listed.metadatas?.[i]?.['createdAt']) }))
          .filter((row) => !pending?.has(row.id))
          .filter((row) => afterMs === undefined || row.at < afterMs || (row.at === afterMs && row.id < after!.id))
          .sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
          .slice(0, limit)
          .map((row) => row.id);
        if (order.length === 0) return [];
        const documents = byId(await this.state.api.get(traces.id, { ids: order, include: ['documents'] }));
        return order.flatMap((id) => (documents.has(id) ? [JSON.parse(documents.get(id)!) as Trace] : []));
      },
      () => [],
    );
  }

  scanMemories(request: ScanRequest): Promise<ScanPage<MemoryItem>> {
    return this.scan<MemoryItem>('memories', request);
  }

  scanTraces(request: ScanRequest): Promise<ScanPage<Trace>> {
    return this.scan<Trace>('traces', request);
  }

  async count(request: { workspaceId: string }): Promise<{ memories: number; traces: number }> {
    return this.onWorkspace(
      request.workspaceId,
      async ({ memories, traces }) => {
        const [m, t] = await Promise.all([this.state.api.count(memories.id), this.state.api.count(traces.id)]);
        return { memories: m, traces: t };
      },
      () => ({ memories: 0, traces: 0 }),
    );
  }

  /** Reads never create a workspace: one without collections reads as empty (`missing()`). */
  private onWorkspace<T>(workspaceId: string, read: (collections: WorkspaceCollections) => Promise<T>, missing: () => T): Promise<T> {
    return this.state.onWorkspace(workspaceId, false, read, missing);
  }

  private async scan<R>(kind: 'memories' | 'traces', request: ScanRequest): Promise<ScanPage<R>> {
    const { workspaceId, withVectors, signal } = request;
    return this.onWorkspace<ScanPage<R>>(
      workspaceId,
      (collections) => {
        const collectionId = collections[kind].id;
        return this.scans.page<ScanPage<R>['rows'][number]>(
          request,
          async () => (await this.state.api.get(collectionId, { include: [] }, signal)).ids,
          async (ids) => {
            const result = await this.state.api.get(collectionId, { ids, include: withVectors ? ['documents', 'embeddings'] : ['documents'] }, signal);
            const at = new Map(result.ids.map((id, i) => [id, i]));
            return ids.flatMap((id) => {
              const i = at.get(id);
              const document = i === undefined ? undefined : result.documents?.[i];
              if (!document) return [];
              const record = JSON.parse(document) as R;
              return withVectors ? [{ record, vector: Float32Array.from(result.embeddings?.[i!] ?? []) }] : [{ record }];
            });
          },
        );
      },
      () => ({ rows: [] }),
    );
  }
}

function toScored(row: Candidate): ScoredMemory {
  return { memory: JSON.parse(row.document) as MemoryItem, similarity: row.similarity };
}

/** Chroma returns rows of a `get` in storage order, not request order. */
function byId(result: GetResult): Map<string, string> {
  const documents = new Map<string, string>();
  result.ids.forEach((id, i) => {
    const document = result.documents?.[i];
    if (document) documents.set(id, document);
  });
  return documents;
}
