import { createHash, randomBytes } from 'node:crypto';
import { MemoryError } from '@rb/memory';
import type { ChromaApi, CollectionInfo } from './chroma-api.js';
import type { Metadata } from './chroma-records.js';

/** The two collections holding one workspace. */
export interface WorkspaceCollections {
  workspaceId: string;
  memories: { id: string; name: string };
  traces: { id: string; name: string };
}

/** A row of the registry collection besides workspaces: a write journal (see `write-journal.ts`). */
export interface RegistryNote {
  id: string;
  document: string;
}

const SCHEMA_VERSION = 1;
const PAGE = 1000;
// The registry has no use for vectors, but every Chroma record has one.
const NO_VECTOR = [1];

/** A Chroma-safe fragment naming a workspace: 32 hex characters of its sha256, for any id (any characters, any length). */
export const workspaceHash = (workspaceId: string): string => createHash('sha256').update(workspaceId, 'utf8').digest('hex').slice(0, 32);

/**
 * The mapping from workspace ids to their collections, kept in Chroma itself: one registry collection
 * (`<prefix>-registry`) with a row per workspace (`w.<hash>`, its document naming the workspace and its two
 * collections) and the write journals (`j.<token>`). Collection names are derived from a hash of the workspace id
 * (Chroma allows 3-512 characters of `[a-zA-Z0-9._-]`), so any workspace id works, and two processes creating the same
 * workspace at once create the same collections. A workspace that is replaced (restore) gets new collections and the
 * row is switched to them in one write: readers see the old ones or the new ones, never a mix.
 *
 * The registry collection's metadata records the embedding model and dimension; opening the bank with another model
 * is refused (`MODEL_MISMATCH`) instead of mixing vectors of two models.
 */
export class WorkspaceRegistry {
  private registryId: string | undefined;
  private readonly resolved = new Map<string, WorkspaceCollections>();
  private readonly creating = new Map<string, Promise<WorkspaceCollections>>();

  constructor(
    private readonly api: ChromaApi,
    private readonly prefix: string,
    private readonly model: { model: string; dimension: number },
  ) {}

  get registryName(): string {
    return `${this.prefix}-registry`;
  }

  async open(): Promise<void> {
    const info = await this.api.getOrCreateCollection(this.registryName, this.collectionMetadata('registry'));
    this.checkModel(info);
    this.registryId = info.id;
    this.resolved.clear();
  }

  /** The workspace's collections; `undefined` when it has none and `create` is false. */
  async resolve(workspaceId: string, create: boolean): Promise<WorkspaceCollections | undefined> {
    const known = this.resolved.get(workspaceId);
    if (known) return known;
    const row = await this.readRow(workspaceId);
    if (row) {
      this.resolved.set(workspaceId, row);
      return row;
    }
    if (!create) return undefined;
    let pending = this.creating.get(workspaceId);
    if (!pending) {
      pending = this.create(workspaceId).finally(() => this.creating.delete(workspaceId));
      this.creating.set(workspaceId, pending);
    }
    return pending;
  }

  /** Forgets what this process knows of a workspace's collections, so the next use reads the registry again. */
  forget(workspaceId?: string): void {
    if (workspaceId === undefined) this.resolved.clear();
    else this.resolved.delete(workspaceId);
  }

  /** Every registered workspace with its collections. */
  async list(): Promise<WorkspaceCollections[]> {
    const rows: WorkspaceCollections[] = [];
    for (let offset = 0; ; offset += PAGE) {
      const page = await this.api.get(this.id(), { where: { kind: 'workspace' }, include: ['documents'], limit: PAGE, offset });
      for (const document of page.documents ?? []) if (document) rows.push(JSON.parse(document) as WorkspaceCollections);
      if (page.ids.length < PAGE) return rows;
    }
  }

  /**
   * Creates a new pair of empty collections for `workspaceId` under a fresh name (for a replacement), without
   * registering them.
   */
  async createCollections(workspaceId: string, generation?: string): Promise<WorkspaceCollections> {
    const base = `${this.prefix}-${workspaceHash(workspaceId)}${generation === undefined ? '' : `-${generation}`}`;
    const metadata = (kind: string): Metadata => ({ ...this.collectionMetadata(kind), 'rb:workspace': workspaceId });
    const [memories, traces] = await Promise.all([
      this.api.getOrCreateCollection(`${base}-m`, metadata('memories')),
      this.api.getOrCreateCollection(`${base}-t`, metadata('traces')),
    ]);
    for (const info of [memories, traces]) {
      this.checkModel(info);
      if (info.metadata?.['rb:workspace'] !== workspaceId) {
        throw new MemoryError({ code: 'BACKEND_ERROR', message: `collection ${info.name} belongs to another workspace (a sha256 prefix collision)` });
      }
    }
    return { workspaceId, memories: { id: memories.id, name: memories.name }, traces: { id: traces.id, name: traces.name } };
  }

  /** A fresh generation name for a replacement's collections. */
  newGeneration(): string {
    return randomBytes(6).toString('hex');
  }

  /** Points the workspace at `collections` (one registry write: readers switch over at once). */
  async register(collections: WorkspaceCollections): Promise<void> {
    await this.api.upsert(this.id(), {
      ids: [rowId(collections.workspaceId)],
      vectors: [NO_VECTOR],
      documents: [JSON.stringify(collections)],
      metadatas: [{ kind: 'workspace' }],
    });
    this.resolved.set(collections.workspaceId, collections);
  }

  /** Removes the workspace from the registry (its collections are deleted separately). */
  async unregister(workspaceId: string): Promise<void> {
    this.resolved.delete(workspaceId);
    await this.api.delete(this.id(), [rowId(workspaceId)]);
  }

  async putNote(note: RegistryNote): Promise<void> {
    await this.api.upsert(this.id(), { ids: [note.id], vectors: [NO_VECTOR], documents: [note.document], metadatas: [{ kind: 'journal' }] });
  }

  async deleteNote(id: string): Promise<void> {
    await this.api.delete(this.id(), [id]);
  }

  async listNotes(): Promise<RegistryNote[]> {
    const notes: RegistryNote[] = [];
    for (let offset = 0; ; offset += PAGE) {
      const page = await this.api.get(this.id(), { where: { kind: 'journal' }, include: ['documents'], limit: PAGE, offset });
      page.ids.forEach((id, i) => {
        const document = page.documents?.[i];
        if (document) notes.push({ id, document });
      });
      if (page.ids.length < PAGE) return notes;
    }
  }

  /** The registry row of a workspace as stored now (bypassing what this process knows). */
  async readRow(workspaceId: string): Promise<WorkspaceCollections | undefined> {
    const result = await this.api.get(this.id(), { ids: [rowId(workspaceId)], include: ['documents'] });
    const document = result.documents?.[0];
    if (!document) return undefined;
    const row = JSON.parse(document) as WorkspaceCollections;
    if (row.workspaceId !== workspaceId) {
      throw new MemoryError({ code: 'BACKEND_ERROR', message: 'two workspace ids share a registry row (a sha256 prefix collision)' });
    }
    return row;
  }

  private async create(workspaceId: string): Promise<WorkspaceCollections> {
    // Deterministic names: two processes creating one workspace at once get the same collections and the same row.
    const collections = await this.createCollections(workspaceId);
    await this.register(collections);
    return collections;
  }

  private id(): string {
    if (this.registryId === undefined) throw new MemoryError({ code: 'BACKEND_ERROR', message: 'the Chroma backend was used before open()' });
    return this.registryId;
  }

  private collectionMetadata(kind: string): Metadata {
    return { 'rb:kind': kind, 'rb:model': this.model.model, 'rb:dimension': this.model.dimension, 'rb:schemaVersion': SCHEMA_VERSION };
  }

  private checkModel(info: CollectionInfo): void {
    const meta = info.metadata ?? {};
    const stored = { model: String(meta['rb:model']), dimension: Number(meta['rb:dimension']) };
    if (stored.model !== this.model.model || stored.dimension !== this.model.dimension) {
      throw new MemoryError({
        code: 'MODEL_MISMATCH',
        message:
          `collection ${info.name} holds vectors of ${stored.model} (${stored.dimension} dimensions), this store embeds with ` +
          `${this.model.model} (${this.model.dimension}); use another collectionPrefix, or back up and restore with reembed`,
        stored,
        expected: { ...this.model },
      });
    }
    const space = info.configuration_json?.hnsw?.space;
    if (space !== undefined && space !== 'cosine') {
      throw new MemoryError({ code: 'MODEL_MISMATCH', message: `collection ${info.name} uses ${space} space, expected cosine` });
    }
  }
}

const rowId = (workspaceId: string) => `w.${workspaceHash(workspaceId)}`;
