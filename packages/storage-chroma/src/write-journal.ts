import { randomUUID } from 'node:crypto';
import type { ChromaApi, GetResult } from './chroma-api.js';
import { isNotFound } from './errors.js';
import type { Metadata } from './chroma-records.js';
import { ownerIsGone, type ProcessOwner } from './process-identity.js';
import type { WorkspaceCollections, WorkspaceRegistry } from './workspace-registry.js';

/** A record as it was before a write, to put back if the write does not complete. */
export interface StoredRow {
  id: string;
  document: string;
  metadata: Metadata;
  vector: number[];
}

interface JournalBase {
  token: string;
  workspaceId: string;
  owner: ProcessOwner;
  /** Epoch milliseconds (wall clock). */
  startedAt: number;
}

/** `writeTrace`: the trace is written first, then its memories in one upsert (the commit point). */
export interface WriteJournal extends JournalBase {
  kind: 'write';
  collections: WorkspaceCollections;
  traceId: string;
  memoryIds: string[];
  before: { trace: StoredRow | null; memories: StoredRow[] };
}

/** `replaceWorkspace`: new collections are filled aside, then the registry row is switched to them. */
export interface ReplaceJournal extends JournalBase {
  kind: 'replace';
  old: WorkspaceCollections | null;
  next: WorkspaceCollections;
}

/** `dropWorkspace`: the registry row goes first, then the collections. */
export interface DropJournal extends JournalBase {
  kind: 'drop';
  collections: WorkspaceCollections;
}

export type Journal = WriteJournal | ReplaceJournal | DropJournal;
export type JournalInput = Omit<WriteJournal, 'token' | 'owner' | 'startedAt'> | Omit<ReplaceJournal, 'token' | 'owner' | 'startedAt'> | Omit<DropJournal, 'token' | 'owner' | 'startedAt'>;

/**
 * Intent records that make multi-step writes all or nothing across crashes. A step sequence starts by writing its
 * journal (a registry row) and ends by deleting it. Whoever finds a journal whose writer is gone (this process, a dead
 * pid on this host, or older than `staleWriteMs` elsewhere) repairs it from the state Chroma holds: a write whose last
 * step landed is kept, anything else is put back as it was before (records restored from the journal's copies, new
 * ones deleted, staging collections dropped).
 */
export class WriteJournals {
  constructor(
    private readonly api: ChromaApi,
    private readonly registry: WorkspaceRegistry,
    private readonly owner: ProcessOwner,
  ) {}

  async begin(input: JournalInput): Promise<Journal> {
    const journal = { ...input, token: randomUUID(), owner: this.owner, startedAt: Date.now() } as Journal;
    await this.registry.putNote({ id: noteId(journal.token), document: JSON.stringify(journal) });
    return journal;
  }

  async end(journal: Journal): Promise<void> {
    await this.registry.deleteNote(noteId(journal.token));
  }

  /** Journals whose writer is gone, or older than `staleMs` when that cannot be told. */
  async abandoned(live: ReadonlySet<string>, staleMs: number, workspaceId?: string): Promise<Journal[]> {
    const now = Date.now();
    const found: Journal[] = [];
    for (const note of await this.registry.listNotes()) {
      let journal: Journal;
      try {
        journal = JSON.parse(note.document) as Journal;
      } catch {
        await this.registry.deleteNote(note.id); // not ours to read: a journal is always complete JSON
        continue;
      }
      if (workspaceId !== undefined && journal.workspaceId !== workspaceId) continue;
      const gone = ownerIsGone(journal.owner, live);
      if (gone === true || (gone === undefined && now - journal.startedAt > staleMs)) found.push(journal);
    }
    return found;
  }

  /** Brings Chroma back to a state where the journal's write happened completely or not at all, then deletes it. */
  async repair(journal: Journal): Promise<void> {
    if (journal.kind === 'write') await this.repairWrite(journal);
    else if (journal.kind === 'replace') await this.repairReplace(journal);
    else await this.repairDrop(journal);
    await this.end(journal);
  }

  /** Puts back what `journal` found before its write: the copies it kept, and no record it added. */
  async rollBack(journal: WriteJournal): Promise<void> {
    const { collections, before } = journal;
    try {
      await this.restore(collections.memories.id, journal.memoryIds, before.memories);
      await this.restore(collections.traces.id, [journal.traceId], before.trace ? [before.trace] : []);
    } catch (error) {
      if (!isNotFound(error)) throw error; // a dropped or replaced workspace holds nothing of the write
    }
  }

  private async repairWrite(journal: WriteJournal): Promise<void> {
    const { collections, before } = journal;
    let committed: boolean;
    try {
      const [trace, memories] = await Promise.all([
        this.api.get(collections.traces.id, { ids: [journal.traceId], include: ['documents'] }),
        journal.memoryIds.length === 0 ? undefined : this.api.get(collections.memories.id, { ids: journal.memoryIds, include: ['documents'] }),
      ]);
      const traceWritten = changed(trace, journal.traceId, before.trace);
      // The memories go in one upsert, the commit point: one changed memory means all of them landed.
      const memoriesWritten = memories === undefined || journal.memoryIds.some((id) => changed(memories, id, before.memories.find((row) => row.id === id) ?? null));
      committed = traceWritten && memoriesWritten;
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    if (!committed) await this.rollBack(journal);
  }

  private async repairReplace(journal: ReplaceJournal): Promise<void> {
    // Whichever of the two sets of collections the registry does not point to is garbage: the new ones of a replace
    // that did not switch, the old ones of one that did, both when the replacement emptied the workspace.
    const current = await this.registry.readRow(journal.workspaceId);
    for (const collections of [journal.old, journal.next]) {
      if (collections && collections.memories.name !== current?.memories.name) await this.dropCollections(collections);
    }
    this.registry.forget(journal.workspaceId);
  }

  private async repairDrop(journal: DropJournal): Promise<void> {
    const current = await this.registry.readRow(journal.workspaceId);
    if (current?.memories.name === journal.collections.memories.name) await this.registry.unregister(journal.workspaceId);
    await this.dropCollections(journal.collections);
    this.registry.forget(journal.workspaceId);
  }

  async dropCollections(collections: WorkspaceCollections): Promise<void> {
    await Promise.all([this.api.deleteCollection(collections.memories.name), this.api.deleteCollection(collections.traces.name)]);
  }

  private async restore(collectionId: string, ids: readonly string[], rows: readonly StoredRow[]): Promise<void> {
    const kept = new Set(rows.map((row) => row.id));
    const added = ids.filter((id) => !kept.has(id));
    if (rows.length > 0) {
      await this.api.upsert(collectionId, {
        ids: rows.map((row) => row.id),
        vectors: rows.map((row) => row.vector),
        documents: rows.map((row) => row.document),
        metadatas: rows.map((row) => row.metadata),
      });
    }
    if (added.length > 0) await this.api.delete(collectionId, added);
  }
}

const noteId = (token: string) => `j.${token}`;

/** Whether the record `id` in `result` differs from its copy from before the write (`null`: it did not exist). */
function changed(result: GetResult, id: string, before: StoredRow | null): boolean {
  const at = result.ids.indexOf(id);
  const document = at < 0 ? null : (result.documents?.[at] ?? null);
  return before === null ? document !== null : document !== before.document;
}

/** The rows of `result`, as copies to restore later. */
export function storedRows(result: GetResult): StoredRow[] {
  return result.ids.map((id, i) => ({
    id,
    document: result.documents?.[i] ?? '',
    metadata: result.metadatas?.[i] ?? {},
    vector: result.embeddings?.[i] ?? [],
  }));
}
