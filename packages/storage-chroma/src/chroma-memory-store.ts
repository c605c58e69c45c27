import { ChromaClient, type Collection, type Metadata, type Where } from 'chromadb';
import { MemoryCache, type CacheStatistics } from '@rb/cache';
import { readBackup, writeBackup, type BackupManifest, type BackupRow } from './backup.js';
import { walkGenealogy } from './genealogy.js';
import type { ChromaMemoryStoreOptions, MemoryEmbedder } from './chroma-memory-store-options.js';
import { StorageError, invalidInput } from './errors.js';
import { telemetry } from './telemetry.js';
import { allOf, anyOf, derivedKey, tagKey } from './filters.js';
import type {
  AddTraceResult,
  Genealogy,
  MemoryStore,
  RetentionResult,
  RetrievedMemory,
  RetrieveOptions,
  StoreStatistics,
} from './memory-store.js';
import { scoreMemory, validateWeights, type RankingWeights } from './ranking.js';
import { memoryMetadata, memoryText, parseRecord, traceMetadata } from './records.js';
import type { MemoryItem, MemoryItemInput, Outcome, Trace, TraceInput } from './types.js';
import { id as checkId, validateMemoryItem, validateTrace, workspaceId as checkWorkspace } from './validate.js';

const SCHEMA_VERSION = 1;
const DAY_MS = 86_400_000;
const PAGE = 500;
const MIN_CANDIDATES = 10;

interface Candidate {
  id: string;
  distance: number;
}

/** Cache figures of `getCacheStatistics()`, and the Chroma requests the store issued. */
export interface StoreCacheStatistics {
  enabled: boolean;
  /** Memory records by id (`getMemory`, `getMemories`, and the records of retrievals). */
  memories: CacheStatistics | undefined;
  /** Candidate lists of `retrieveMemories`, per workspace, query and filters. */
  retrievals: CacheStatistics | undefined;
  /** Query embeddings, per model and query text. */
  queryEmbeddings: CacheStatistics | undefined;
  /** Requests sent to Chroma: similarity queries, gets, and writes (upserts and deletes). */
  chroma: { queries: number; gets: number; writes: number };
}

type Settings = Required<Omit<ChromaMemoryStoreOptions, 'weights' | 'headers'>> & {
  weights: RankingWeights;
  headers: Record<string, string> | undefined;
};

/**
 * The ReasoningBank memory bank on a Chroma server: a `memories` and a `traces` collection in cosine space, vectors
 * from the caller's embedder (Chroma embeds nothing), canonical records as JSON documents and scalar copies in
 * metadata for filters. Every read and write is scoped to a workspace.
 */
export class ChromaMemoryStore implements MemoryStore {
  private readonly memoryCache: MemoryCache<MemoryItem> | undefined;
  private readonly retrievalCache: MemoryCache<Candidate[]> | undefined;
  private readonly embeddingCache: MemoryCache<number[]> | undefined;
  private readonly requests = { queries: 0, gets: 0, writes: 0 };

  private constructor(
    private readonly settings: Settings,
    private readonly memories: Collection,
    private readonly traces: Collection,
  ) {
    if (settings.enableMemoryCache) {
      const base = { maxSize: settings.cacheSize, ttlSeconds: settings.cacheTtlSeconds };
      this.memoryCache = new MemoryCache<MemoryItem>({ ...base, name: 'memories' });
      this.retrievalCache = new MemoryCache<Candidate[]>({ ...base, name: 'retrievals' });
      this.embeddingCache = new MemoryCache<number[]>({ ...base, name: 'query-embeddings' });
    }
  }

  /**
   * Connects, creates the collections if missing, and checks they were built with this embedder's model and
   * dimension (`MODEL_MISMATCH` otherwise: mixing vectors of two models makes every similarity meaningless).
   */
  static async open(options: ChromaMemoryStoreOptions): Promise<ChromaMemoryStore> {
    const settings = resolveOptions(options);
    const url = new URL(settings.url);
    const client = new ChromaClient({
      host: url.hostname,
      port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
      ssl: url.protocol === 'https:',
      ...(settings.headers ? { headers: settings.headers } : {}),
    });
    const expected = { model: settings.embedder.model, dimension: settings.embedder.dimension };
    const open = async (kind: 'memories' | 'traces') => {
      const name = `${settings.collectionPrefix}_${kind}`;
      const collection = await callChroma(settings.url, () =>
        client.getOrCreateCollection({
          name,
          embeddingFunction: null,
          configuration: { hnsw: { space: 'cosine' } },
          metadata: { 'rb:model': expected.model, 'rb:dimension': expected.dimension, 'rb:schemaVersion': SCHEMA_VERSION },
        }),
      );
      const meta = collection.metadata ?? {};
      const stored = { model: String(meta['rb:model']), dimension: Number(meta['rb:dimension']) };
      if (stored.model !== expected.model || stored.dimension !== expected.dimension) {
        throw new StorageError(
          'MODEL_MISMATCH',
          `collection ${name} holds vectors of ${stored.model} (${stored.dimension} dims), this store embeds with ` +
            `${expected.model} (${expected.dimension} dims); use another collectionPrefix or restore with reembed`,
          { stored, expected },
        );
      }
      const space = collection.configuration?.hnsw?.space;
      if (space !== undefined && space !== 'cosine') {
        throw new StorageError('MODEL_MISMATCH', `collection ${name} uses ${space} space, expected cosine`, { stored, expected });
      }
      return collection;
    };
    return new ChromaMemoryStore(settings, await open('memories'), await open('traces'));
  }

  /**
   * Validates the trace and its memories (nothing is written when anything is invalid), embeds the task and every
   * memory in one `generateBatch`, and upserts them: the same call retried stores nothing twice.
   */
  async addTrace(input: TraceInput): Promise<AddTraceResult> {
    const { trace, memories } = validateTrace(input, this.settings.now());
    return telemetry.withSpan('rb.storage.add_trace', { 'rb.workspace.id': trace.workspaceId, 'rb.memories': memories.length }, async () => {
      // The ownership checks and the model run side by side; a refused id still writes nothing.
      const [, , [taskVector, ...memoryVectors]] = await Promise.all([
        this.assertOwnedBy(trace.workspaceId, this.traces, [trace.id], 'trace.id'),
        this.assertOwnedBy(
          trace.workspaceId,
          this.memories,
          memories.map((m) => m.id),
          'trace.memories[].id',
        ),
        this.embed([trace.task, ...memories.map(memoryText)]),
      ]);
      if (memories.length > 0) {
        await this.write(() =>
          this.memories.upsert({
            ids: memories.map((m) => m.id),
            embeddings: memoryVectors,
            documents: memories.map((m) => JSON.stringify(m)),
            metadatas: memories.map(memoryMetadata),
          }),
        );
      }
      await this.write(() =>
        this.traces.upsert({
          ids: [trace.id],
          embeddings: [taskVector!],
          documents: [JSON.stringify(trace)],
          metadatas: [traceMetadata(trace)],
        }),
      );
      this.invalidate(trace.workspaceId, memories.map((m) => m.id));
      return { traceId: trace.id, memoryIds: memories.map((m) => m.id) };
    });
  }

  /**
   * The top-k memories for a query: Chroma returns an over-fetched candidate list by cosine distance, which is
   * re-ranked by the composite score (similarity, half-life recency, relevance-gated error boost) and cut to k.
   * With the cache on, a repeated query re-ranks cached candidates (recency stays current) without asking Chroma.
   */
  async retrieveMemories(query: string, options: RetrieveOptions): Promise<RetrievedMemory[]> {
    if (typeof query !== 'string' || query.trim() === '') throw invalidInput('query', 'a non-empty string', query);
    if (typeof options !== 'object' || options === null) throw invalidInput('options', 'an object', options);
    const workspaceId = checkWorkspace('workspaceId', options.workspaceId);
    const k = options.k ?? 1;
    if (!Number.isInteger(k) || k < 1 || k > 100) throw invalidInput('k', 'an integer 1-100', k);
    const includeFailures = options.includeFailures ?? true;
    if (typeof includeFailures !== 'boolean') throw invalidInput('includeFailures', 'a boolean', includeFailures);
    if (options.domain !== undefined && (typeof options.domain !== 'string' || options.domain === '')) {
      throw invalidInput('domain', 'a non-empty string', options.domain);
    }
    const tags = options.tags ?? [];
    if (!Array.isArray(tags)) throw invalidInput('tags', 'an array of strings', tags);
    tags.forEach((tag, i) => {
      if (typeof tag !== 'string' || tag === '') throw invalidInput(`tags[${i}]`, 'a non-empty string', tag);
    });
    if (options.minScore !== undefined && !Number.isFinite(options.minScore)) {
      throw invalidInput('minScore', 'a finite number', options.minScore);
    }

    return telemetry.withSpan('rb.storage.retrieve', { 'rb.workspace.id': workspaceId, 'rb.k': k }, async (span) => {
      const n = Math.max(k * this.settings.overFetch, MIN_CANDIDATES);
      const where = allOf(
        { workspaceId },
        includeFailures ? undefined : { outcome: { $ne: 'failure' } },
        options.domain === undefined ? undefined : { domain: options.domain },
        anyOf(tags.map((tag) => ({ [tagKey(tag)]: true }))),
      );
      const key = JSON.stringify([workspaceId, query, includeFailures, options.domain ?? null, [...tags].sort(), n]);
      let candidates = this.retrievalCache?.get(key);
      let records: (MemoryItem | undefined)[];
      span.setAttribute('rb.cache.hit', candidates !== undefined);
      if (candidates) {
        records = await this.getMemories(
          candidates.map((c) => c.id),
          { workspaceId },
        );
      } else {
        const vector = await this.embedQuery(query);
        const result = await this.read('queries', () =>
          this.memories.query({ queryEmbeddings: [vector], nResults: n, where, include: ['documents', 'distances'] }),
        );
        const ids = result.ids[0] ?? [];
        candidates = ids.map((id, i) => ({ id, distance: result.distances[0]?.[i] ?? 2 }));
        records = (result.documents[0] ?? []).map((doc) => parseRecord<MemoryItem>(doc));
        this.cacheMemories(records);
        this.retrievalCache?.put(key, candidates, { tags: [wsTag(workspaceId)] });
      }

      const now = this.settings.now();
      const ranked: RetrievedMemory[] = [];
      candidates.forEach((candidate, i) => {
        const memory = records[i];
        if (!memory) return;
        const scores = scoreMemory(
          { distance: candidate.distance, createdAtMs: Date.parse(memory.createdAt), hasErrorContext: memory.errorContext !== undefined },
          { weights: this.settings.weights, halfLifeDays: this.settings.halfLifeDays, errorRelevance: this.settings.errorRelevance, now },
        );
        if (options.minScore === undefined || scores.score >= options.minScore) {
          ranked.push({ memory, distance: candidate.distance, ...scores });
        }
      });
      ranked.sort((a, b) => b.score - a.score || b.similarity - a.similarity);
      return ranked.slice(0, k);
    });
  }

  async getMemory(id: string, scope: { workspaceId: string }): Promise<MemoryItem | undefined> {
    return (await this.getMemories([id], scope))[0];
  }

  /** Memories by id, in request order, `undefined` where a memory does not exist in this workspace. */
  async getMemories(ids: readonly string[], scope: { workspaceId: string }): Promise<(MemoryItem | undefined)[]> {
    const workspaceId = checkWorkspace('workspaceId', scope?.workspaceId);
    if (!Array.isArray(ids)) throw invalidInput('ids', 'an array of ids', ids);
    ids.forEach((id, i) => checkId(`ids[${i}]`, id));
    const found = new Map<string, MemoryItem>();
    const missing: string[] = [];
    for (const id of new Set(ids)) {
      const cached = this.memoryCache?.get(cacheKey(workspaceId, id));
      if (cached) found.set(id, cached);
      else missing.push(id);
    }
    if (missing.length > 0) {
      const result = await this.read('gets', () =>
        this.memories.get({ ids: missing, where: { workspaceId }, include: ['documents'] }),
      );
      const records = result.documents.map((doc) => parseRecord<MemoryItem>(doc));
      this.cacheMemories(records);
      for (const record of records) if (record) found.set(record.id, record);
    }
    return ids.map((id) => found.get(id));
  }

  async getTrace(id: string, scope: { workspaceId: string }): Promise<Trace | undefined> {
    const workspaceId = checkWorkspace('workspaceId', scope?.workspaceId);
    checkId('id', id);
    const result = await this.read('gets', () => this.traces.get({ ids: [id], where: { workspaceId }, include: ['documents'] }));
    return parseRecord<Trace>(result.documents[0]);
  }

  /**
   * Changes a stored memory (re-embedding it when its text changes) and drops its cached copies. Returns the updated
   * memory, or `undefined` when it does not exist in this workspace.
   */
  async updateMemory(
    id: string,
    patch: Partial<Omit<MemoryItemInput, 'id' | 'createdAt'>>,
    scope: { workspaceId: string },
  ): Promise<MemoryItem | undefined> {
    const workspaceId = checkWorkspace('workspaceId', scope?.workspaceId);
    checkId('id', id);
    if (typeof patch !== 'object' || patch === null) throw invalidInput('patch', 'an object', patch);
    const result = await this.read('gets', () =>
      this.memories.get({ ids: [id], where: { workspaceId }, include: ['documents', 'embeddings'] }),
    );
    const current = parseRecord<MemoryItem>(result.documents[0]);
    if (!current) return undefined;
    const { traceId, outcome, ...rest } = current;
    const updated = validateMemoryItem({ ...rest, ...patch, id } as MemoryItemInput, 'patch', {
      traceId,
      workspaceId,
      outcome,
      createdAt: current.createdAt,
    });
    const embedding =
      memoryText(updated) === memoryText(current) ? Array.from(result.embeddings[0]!) : (await this.embed([memoryText(updated)]))[0]!;
    await this.write(() =>
      this.memories.upsert({ ids: [id], embeddings: [embedding], documents: [JSON.stringify(updated)], metadatas: [memoryMetadata(updated)] }),
    );
    this.invalidate(workspaceId, [id]);
    return updated;
  }

  /** Deletes memories of this workspace by id; returns how many existed. */
  async deleteMemories(ids: readonly string[], scope: { workspaceId: string }): Promise<number> {
    const workspaceId = checkWorkspace('workspaceId', scope?.workspaceId);
    if (!Array.isArray(ids)) throw invalidInput('ids', 'an array of ids', ids);
    ids.forEach((id, i) => checkId(`ids[${i}]`, id));
    if (ids.length === 0) return 0;
    const existing = await this.read('gets', () => this.memories.get({ ids: [...ids], where: { workspaceId }, include: [] }));
    if (existing.ids.length > 0) await this.write(() => this.memories.delete({ ids: existing.ids }));
    this.invalidate(workspaceId, existing.ids);
    return existing.ids.length;
  }

  /**
   * Parents and children of a memory, walked one generation per filtered request (parents by id, children by a
   * `parentId`/`derivedFrom` filter), never a scan. A visited set stops cycles; `maxDepth` (default 10) bounds it.
   */
  async getGenealogy(id: string, options: { workspaceId: string; maxDepth?: number }): Promise<Genealogy | undefined> {
    const workspaceId = checkWorkspace('workspaceId', options?.workspaceId);
    const maxDepth = options.maxDepth ?? 10;
    if (!Number.isInteger(maxDepth) || maxDepth < 1 || maxDepth > 100) throw invalidInput('maxDepth', 'an integer 1-100', maxDepth);
    const memory = await this.getMemory(id, { workspaceId });
    if (!memory) return undefined;
    return walkGenealogy(memory, maxDepth, {
      byIds: (ids) => this.getMemories(ids, { workspaceId }),
      childrenOf: async (ids) => {
        const children = await this.read('gets', () =>
          this.memories.get({
            where: allOf({ workspaceId }, anyOf([{ parentId: { $in: ids } }, ...ids.map((f) => ({ [derivedKey(f)]: true }))])),
            include: ['documents'],
          }),
        );
        return children.documents
          .map((doc) => parseRecord<MemoryItem>(doc))
          .filter((m): m is MemoryItem => m !== undefined);
      },
    });
  }

  /** Deletes the workspace's traces and memories created more than `olderThanDays` ago (by the store's clock). */
  async deleteOlderThan(options: { workspaceId: string; olderThanDays: number; dryRun?: boolean }): Promise<RetentionResult> {
    const workspaceId = checkWorkspace('workspaceId', options?.workspaceId);
    const days = options.olderThanDays;
    if (typeof days !== 'number' || !Number.isFinite(days) || days < 0) throw invalidInput('olderThanDays', 'a number >= 0', days);
    const cutoff = this.settings.now() - days * DAY_MS;
    return this.deleteWhere(workspaceId, allOf({ workspaceId }, { createdAt: { $lt: cutoff } }), options.dryRun ?? false);
  }

  /** Deletes every trace and memory of a workspace. */
  async deleteWorkspace(options: { workspaceId: string; dryRun?: boolean }): Promise<RetentionResult> {
    const workspaceId = checkWorkspace('workspaceId', options?.workspaceId);
    return this.deleteWhere(workspaceId, { workspaceId }, options.dryRun ?? false);
  }

  /**
   * Counts of a workspace, read from metadata only (no documents, no vectors), a page at a time so memory stays
   * bounded however large the workspace is.
   */
  async getStatistics(scope: { workspaceId: string }): Promise<StoreStatistics> {
    const workspaceId = checkWorkspace('workspaceId', scope?.workspaceId);
    const stats: StoreStatistics = {
      memories: 0,
      traces: 0,
      memoriesByOutcome: { success: 0, failure: 0, partial: 0 },
      tracesByOutcome: { success: 0, failure: 0, partial: 0 },
      memoriesByDomain: {},
      errorMemories: 0,
    };
    for await (const page of this.pages(this.memories, workspaceId, ['metadatas'])) {
      for (const meta of page.metadatas) {
        if (!meta) continue;
        stats.memories++;
        stats.memoriesByOutcome[meta['outcome'] as Outcome]++;
        const domain = typeof meta['domain'] === 'string' ? meta['domain'] : '';
        stats.memoriesByDomain[domain] = (stats.memoriesByDomain[domain] ?? 0) + 1;
        if (meta['hasErrorContext'] === true) stats.errorMemories++;
      }
    }
    for await (const page of this.pages(this.traces, workspaceId, ['metadatas'])) {
      for (const meta of page.metadatas) {
        if (!meta) continue;
        stats.traces++;
        stats.tracesByOutcome[meta['outcome'] as Outcome]++;
      }
    }
    return stats;
  }

  /**
   * Streams a workspace to `<dir>/memories.jsonl` and `<dir>/traces.jsonl` (record + vector per line) and writes
   * `<dir>/manifest.json` with the schema version, model, dimension, counts and each file's sha256.
   */
  async backup(options: { workspaceId: string; dir: string }): Promise<BackupManifest> {
    const workspaceId = checkWorkspace('workspaceId', options?.workspaceId);
    if (typeof options.dir !== 'string' || options.dir === '') throw invalidInput('dir', 'a non-empty string', options.dir);
    const rows = (collection: Collection) => this.rows(collection, workspaceId);
    return writeBackup(
      options.dir,
      {
        schemaVersion: SCHEMA_VERSION,
        workspaceId,
        model: this.settings.embedder.model,
        dimension: this.settings.embedder.dimension,
        createdAt: new Date(this.settings.now()).toISOString(),
      },
      { memories: rows(this.memories), traces: rows(this.traces) },
    );
  }

  /**
   * Restores a backup through upsert (so restoring twice is harmless) after checking every file's sha256. A backup
   * of another model is refused unless `reembed` is set, which embeds the records again with this store's model.
   */
  async restore(options: { dir: string; reembed?: boolean }): Promise<{ memories: number; traces: number; workspaceId: string }> {
    if (typeof options?.dir !== 'string' || options.dir === '') throw invalidInput('dir', 'a non-empty string', options?.dir);
    const backup = await readBackup(options.dir);
    const { manifest } = backup;
    const sameModel = manifest.model === this.settings.embedder.model && manifest.dimension === this.settings.embedder.dimension;
    if (!sameModel && !options.reembed) {
      throw new StorageError(
        'MODEL_MISMATCH',
        `backup was made with ${manifest.model} (${manifest.dimension} dims), this store embeds with ` +
          `${this.settings.embedder.model} (${this.settings.embedder.dimension} dims); pass reembed: true to embed again`,
        {
          stored: { model: manifest.model, dimension: manifest.dimension },
          expected: { model: this.settings.embedder.model, dimension: this.settings.embedder.dimension },
        },
      );
    }
    const restoreInto = async <T>(
      collection: Collection,
      rows: AsyncIterable<BackupRow[]>,
      text: (record: T) => string,
      metadata: (record: T) => Metadata,
    ) => {
      let count = 0;
      for await (const batch of rows) {
        for (const row of batch) {
          if (row.record['workspaceId'] !== manifest.workspaceId) {
            throw new StorageError('BACKUP_INVALID', `record ${row.id} belongs to another workspace than the manifest's`);
          }
        }
        const records = batch.map((row) => row.record as T);
        const embeddings = options.reembed ? await this.embed(records.map(text)) : batch.map((row) => row.embedding);
        await this.write(() =>
          collection.upsert({
            ids: batch.map((row) => row.id),
            embeddings,
            documents: records.map((record) => JSON.stringify(record)),
            metadatas: records.map(metadata),
          }),
        );
        count += batch.length;
      }
      return count;
    };
    const memories = await restoreInto<MemoryItem>(this.memories, backup.rows('memories', PAGE), memoryText, memoryMetadata);
    const traces = await restoreInto<Trace>(this.traces, backup.rows('traces', PAGE), (trace) => trace.task, traceMetadata);
    this.memoryCache?.invalidateTag(wsTag(manifest.workspaceId));
    this.retrievalCache?.invalidateTag(wsTag(manifest.workspaceId));
    return { memories, traces, workspaceId: manifest.workspaceId };
  }

  /** The seed's `get_cache_statistics()`, plus the Chroma requests issued (what the cache saves). */
  getCacheStatistics(): StoreCacheStatistics {
    return {
      enabled: this.settings.enableMemoryCache,
      memories: this.memoryCache?.getStatistics(),
      retrievals: this.retrievalCache?.getStatistics(),
      queryEmbeddings: this.embeddingCache?.getStatistics(),
      chroma: { ...this.requests },
    };
  }

  private async deleteWhere(workspaceId: string, where: Where, dryRun: boolean): Promise<RetentionResult> {
    return telemetry.withSpan('rb.storage.delete', { 'rb.workspace.id': workspaceId, 'rb.dry_run': dryRun }, async () => {
      const [memories, traces] = await Promise.all(
        [this.memories, this.traces].map((c) => this.read('gets', () => c.get({ where, include: [] }))),
      );
      if (!dryRun) {
        await this.write(() => this.memories.delete({ where }));
        await this.write(() => this.traces.delete({ where }));
        this.invalidate(workspaceId, memories!.ids);
      }
      return { memories: memories!.ids.length, traces: traces!.ids.length, dryRun };
    });
  }

  private async *pages(collection: Collection, workspaceId: string, include: ('metadatas' | 'documents' | 'embeddings')[]) {
    for (let offset = 0; ; offset += PAGE) {
      const page = await this.read('gets', () => collection.get({ where: { workspaceId }, include, limit: PAGE, offset }));
      if (page.ids.length > 0) yield page;
      if (page.ids.length < PAGE) return;
    }
  }

  private async *rows(collection: Collection, workspaceId: string): AsyncIterable<BackupRow[]> {
    for await (const page of this.pages(collection, workspaceId, ['documents', 'embeddings'])) {
      yield page.ids.map((id, i) => ({
        id,
        record: parseRecord<Record<string, unknown>>(page.documents[i]) ?? {},
        embedding: Array.from(page.embeddings[i] ?? []),
      }));
    }
  }

  /** Refuses ids already stored in another workspace: an upsert would silently move them across the boundary. */
  private async assertOwnedBy(workspaceId: string, collection: Collection, ids: string[], field: string): Promise<void> {
    if (ids.length === 0) return;
    const existing = await this.read('gets', () => collection.get({ ids, include: ['metadatas'] }));
    existing.ids.forEach((id, i) => {
      const owner = existing.metadatas[i]?.['workspaceId'];
      if (owner !== workspaceId) throw invalidInput(field, 'an id not used by another workspace', id);
    });
  }

  private async embed(texts: string[]): Promise<number[][]> {
    const vectors = await this.settings.embedder.generateBatch(texts, { batchSize: this.settings.batchSize });
    const { model, dimension } = this.settings.embedder;
    return vectors.map((vector) => {
      if (vector.length !== dimension) {
        throw new StorageError('MODEL_MISMATCH', `${model} returned a vector of ${vector.length} dims, expected ${dimension}`, {
          expected: { model, dimension },
        });
      }
      return Array.from(vector);
    });
  }

  private async embedQuery(query: string): Promise<number[]> {
    const key = `${this.settings.embedder.model}\u0000${query}`;
    const cached = this.embeddingCache?.get(key);
    if (cached) return cached;
    const [vector] = await this.embed([query]);
    this.embeddingCache?.put(key, vector!);
    return vector!;
  }

  private cacheMemories(records: (MemoryItem | undefined)[]): void {
    if (!this.memoryCache) return;
    let count = 0;
    for (const record of records) {
      if (!record) continue;
      this.memoryCache.put(cacheKey(record.workspaceId, record.id), record, { tags: [wsTag(record.workspaceId)] });
      count++;
    }
    if (count > 0) telemetry.instruments.memoriesCached.add(count);
  }

  private invalidate(workspaceId: string, memoryIds: readonly string[]): void {
    for (const id of memoryIds) this.memoryCache?.delete(cacheKey(workspaceId, id));
    this.retrievalCache?.invalidateTag(wsTag(workspaceId));
  }

  private read<T>(kind: 'queries' | 'gets', fn: () => Promise<T>): Promise<T> {
    this.requests[kind]++;
    return callChroma(this.settings.url, fn);
  }

  private write<T>(fn: () => Promise<T>): Promise<T> {
    this.requests.writes++;
    return callChroma(this.settings.url, fn);
  }
}

/** The seed's name for the store. */
export const ChromaDBAdapter = ChromaMemoryStore;

const cacheKey = (workspaceId: string, id: string) => `${workspaceId}\u0000${id}`;
const wsTag = (workspaceId: string) => `ws:${workspaceId}`;

async function callChroma<T>(url: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (StorageError.isInstance(error)) throw error;
    const name = error instanceof Error ? error.name : '';
    const message = error instanceof Error ? error.message : String(error);
    if (name === 'ChromaConnectionError' || (error instanceof TypeError && /fetch failed/.test(message))) {
      throw new StorageError(
        'SERVER_UNREACHABLE',
        `no Chroma server answered at ${url}: start one with startChroma({ path }), or point url / CHROMA_URL at a running server`,
        { url, cause: error },
      );
    }
    if (/expecting embedding with dimension/i.test(message)) {
      throw new StorageError('MODEL_MISMATCH', `Chroma refused the vectors: ${message}`, { cause: error });
    }
    throw new StorageError('CHROMA_ERROR', `Chroma request failed: ${message}`, { url, cause: error });
  }
}

function resolveOptions(options: ChromaMemoryStoreOptions): Settings {
  if (typeof options !== 'object' || options === null) throw invalidInput('options', 'an object', options);
  const embedder: MemoryEmbedder = options.embedder;
  if (typeof embedder !== 'object' || embedder === null || typeof embedder.generateBatch !== 'function') {
    throw invalidInput('embedder', 'an object with generateBatch(texts), model and dimension', embedder);
  }
  if (typeof embedder.model !== 'string' || embedder.model === '') throw invalidInput('embedder.model', 'a non-empty string', embedder.model);
  positiveInt('embedder.dimension', embedder.dimension);
  const url = options.url ?? process.env['CHROMA_URL'] ?? 'http://127.0.0.1:8000';
  if (typeof url !== 'string' || !/^https?:\/\/[^/]/.test(url)) throw invalidInput('url', 'an http(s) URL', url);
  const prefix = options.collectionPrefix ?? 'reasoningbank';
  if (typeof prefix !== 'string' || !/^[a-zA-Z0-9][a-zA-Z0-9_-]{1,40}$/.test(prefix)) {
    throw invalidInput('collectionPrefix', '2-41 letters, digits, _ or -, starting with a letter or digit', prefix);
  }
  const enableMemoryCache = options.enableMemoryCache ?? true;
  if (typeof enableMemoryCache !== 'boolean') throw invalidInput('enableMemoryCache', 'a boolean', enableMemoryCache);
  const halfLifeDays = options.halfLifeDays ?? 30;
  if (typeof halfLifeDays !== 'number' || !(halfLifeDays > 0) || !Number.isFinite(halfLifeDays)) {
    throw invalidInput('halfLifeDays', 'a positive number', halfLifeDays);
  }
  const errorRelevance = options.errorRelevance ?? 0.3;
  if (typeof errorRelevance !== 'number' || !(errorRelevance >= -1 && errorRelevance <= 1)) {
    throw invalidInput('errorRelevance', 'a number between -1 and 1', errorRelevance);
  }
  const now = options.now ?? Date.now;
  if (typeof now !== 'function') throw invalidInput('now', 'a function returning epoch milliseconds', now);
  const cacheTtlSeconds = options.cacheTtlSeconds ?? 3600;
  if (typeof cacheTtlSeconds !== 'number' || !(cacheTtlSeconds > 0)) throw invalidInput('cacheTtlSeconds', 'a positive number', cacheTtlSeconds);
  return {
    embedder,
    url: url.replace(/\/+$/, ''),
    headers: options.headers,
    collectionPrefix: prefix,
    enableMemoryCache,
    cacheSize: positiveInt('cacheSize', options.cacheSize ?? 1000),
    cacheTtlSeconds,
    batchSize: positiveInt('batchSize', options.batchSize ?? 32),
    weights: validateWeights(options.weights, 'weights'),
    halfLifeDays,
    errorRelevance,
    overFetch: positiveInt('overFetch', options.overFetch ?? 4),
    now,
  };
}

function positiveInt(field: string, value: unknown): number {
  if (!Number.isInteger(value) || (value as number) < 1) throw invalidInput(field, 'a positive integer', value);
  return value as number;
}
