import type { Vector } from '@rb/memory';
import { ChromaHttp, type ChromaConnection } from './chroma-http.js';
import { packVector, plainVector, type Metadata, type Where } from './chroma-records.js';

/** A collection as Chroma describes it. */
export interface CollectionInfo {
  id: string;
  name: string;
  metadata: Metadata | null;
  configuration_json?: { hnsw?: { space?: string } | null } | null;
}

export type Include = 'documents' | 'embeddings' | 'metadatas' | 'distances';

export interface GetResult {
  ids: string[];
  documents: (string | null)[] | null;
  embeddings: number[][] | null;
  metadatas: (Metadata | null)[] | null;
}

export interface QueryResult {
  ids: string[][];
  documents: (string | null)[][] | null;
  distances: number[][] | null;
  metadatas: (Metadata | null)[][] | null;
}

export interface UpsertRows {
  ids: string[];
  vectors: Vector[];
  documents: string[];
  metadatas: Metadata[];
}

/** The Chroma operations this package uses, typed, over `ChromaHttp` (deadlines, auth, typed errors). */
export class ChromaApi {
  readonly http: ChromaHttp;
  /** Whether upserts send vectors as base64 float32 (Chroma >= 1.0 says so in its pre-flight checks). */
  private base64 = false;
  /** Most records per write Chroma accepts. */
  maxBatchSize = 1000;

  constructor(connection: ChromaConnection) {
    this.http = new ChromaHttp(connection);
  }

  async heartbeat(): Promise<void> {
    await this.http.request('heartbeat', 'GET', '/api/v2/heartbeat');
  }

  /** Reads what the server supports (vector encoding, batch size). Older servers without the endpoint get defaults. */
  async preflight(): Promise<void> {
    const checks = await this.http.request<{ max_batch_size?: number; supports_base64_encoding?: boolean }>('pre_flight_checks', 'GET', '/api/v2/pre-flight-checks', undefined, {
      allowNotFound: true,
    });
    this.base64 = checks?.supports_base64_encoding === true;
    if (typeof checks?.max_batch_size === 'number' && checks.max_batch_size > 0) this.maxBatchSize = Math.min(checks.max_batch_size, 1000);
  }

  /** Creates a cosine-space collection, or returns the existing one of that name (whose metadata is left as it is). */
  async getOrCreateCollection(name: string, metadata: Metadata): Promise<CollectionInfo> {
    const body = { name, metadata, configuration: { hnsw: { space: 'cosine' } }, get_or_create: true };
    return (await this.http.request<CollectionInfo>('create_collection', 'POST', `${this.http.databasePath}/collections`, body))!;
  }

  async getCollection(name: string): Promise<CollectionInfo | undefined> {
    return this.http.request<CollectionInfo>('get_collection', 'GET', `${this.http.databasePath}/collections/${encodeURIComponent(name)}`, undefined, {
      allowNotFound: true,
    });
  }

  /** Collections of the database, a page at a time (Chroma's order). */
  async listCollections(limit: number, offset: number): Promise<CollectionInfo[]> {
    return (await this.http.request<CollectionInfo[]>('list_collections', 'GET', `${this.http.databasePath}/collections?limit=${limit}&offset=${offset}`))!;
  }

  /** Deletes a collection by name; a missing one is not an error. */
  async deleteCollection(name: string): Promise<void> {
    await this.http.request('delete_collection', 'DELETE', `${this.http.databasePath}/collections/${encodeURIComponent(name)}`, undefined, {
      allowNotFound: true,
    });
  }

  async upsert(collectionId: string, rows: UpsertRows): Promise<void> {
    for (let start = 0; start < rows.ids.length; start += this.maxBatchSize) {
      const end = start + this.maxBatchSize;
      await this.http.request('upsert', 'POST', this.recordsPath(collectionId, 'upsert'), {
        ids: rows.ids.slice(start, end),
        embeddings: rows.vectors.slice(start, end).map((vector): string | number[] => (this.base64 ? packVector(vector) : plainVector(vector))),
        documents: rows.documents.slice(start, end),
        metadatas: rows.metadatas.slice(start, end),
      });
    }
  }

  async get(
    collectionId: string,
    request: { ids?: readonly string[]; where?: Where; include: Include[]; limit?: number; offset?: number },
    signal?: AbortSignal,
  ): Promise<GetResult> {
    const body = {
      ...(request.ids ? { ids: request.ids } : {}),
      ...(request.where ? { where: request.where } : {}),
      include: request.include,
      ...(request.limit === undefined ? {} : { limit: request.limit }),
      ...(request.offset === undefined ? {} : { offset: request.offset }),
    };
    return (await this.http.request<GetResult>('get', 'POST', this.recordsPath(collectionId, 'get'), body, signal ? { signal } : {}))!;
  }

  async query(collectionId: string, request: { vector: Vector; nResults: number; where?: Where; include: Include[] }): Promise<QueryResult> {
    const body = {
      query_embeddings: [plainVector(request.vector)],
      n_results: request.nResults,
      ...(request.where ? { where: request.where } : {}),
      include: request.include,
    };
    return (await this.http.request<QueryResult>('query', 'POST', this.recordsPath(collectionId, 'query'), body))!;
  }

  async delete(collectionId: string, ids: readonly string[]): Promise<void> {
    for (let start = 0; start < ids.length; start += this.maxBatchSize) {
      await this.http.request('delete', 'POST', this.recordsPath(collectionId, 'delete'), { ids: ids.slice(start, start + this.maxBatchSize) });
    }
  }

  async count(collectionId: string): Promise<number> {
    return (await this.http.request<number>('count', 'GET', this.recordsPath(collectionId, 'count')))!;
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private recordsPath(collectionId: string, operation: string): string {
    return `${this.http.databasePath}/collections/${encodeURIComponent(collectionId)}/${operation}`;
  }
}
