import type { ChromaApi } from './chroma-api.js';
import type { RecordCache } from './record-cache.js';
import type { WriteGenerations } from './write-generations.js';

const PAGE = 500;

interface Warmth {
  /** When the last warm-up started (epoch ms). */
  at: number;
  /** Whether it put every record of the workspace into the cache. */
  complete: boolean;
  running?: Promise<void>;
}

/**
 * Loads a workspace's records, with their vectors, into the record cache in the background the first time it is
 * queried (and again once the cache's TTL has passed), when the whole workspace fits. Retrieval then reads the dense
 * candidates' documents and the lexical candidates' vectors from memory: Chroma answers a query with ids and distances
 * only, which costs it about half of a query with 50 documents. A page read while the workspace was written is not
 * kept (the generation rule), and the warm-up is only ever an optimisation: what it misses is read on demand.
 */
export class RecordWarmup {
  private readonly workspaces = new Map<string, Warmth>();
  private readonly abort = new AbortController();

  constructor(
    private readonly api: ChromaApi,
    private readonly records: RecordCache,
    private readonly generations: WriteGenerations,
    private readonly maxRecords: number,
    private readonly ttlMs: number,
    private readonly background: (work: Promise<unknown>) => void,
  ) {}

  /** Whether the workspace's records are all in the cache (as of a warm-up younger than the TTL). */
  isWarm(workspaceId: string): boolean {
    const warmth = this.workspaces.get(workspaceId);
    return warmth !== undefined && warmth.complete && !warmth.running && Date.now() - warmth.at < this.ttlMs;
  }

  /** Starts a warm-up of the workspace unless one runs or a recent one is done. Never throws. */
  touch(workspaceId: string, collectionId: string): void {
    const warmth = this.workspaces.get(workspaceId);
    if (this.abort.signal.aborted || warmth?.running || (warmth && Date.now() - warmth.at < this.ttlMs)) return;
    const next: Warmth = { at: Date.now(), complete: false };
    next.running = this.warm(workspaceId, collectionId, next)
      .then((complete) => {
        next.complete = complete;
      })
      .catch(() => undefined) // an optimisation that failed: reads fetch what they need
      .finally(() => {
        next.running = undefined;
      });
    this.workspaces.set(workspaceId, next);
    this.background(next.running);
  }

  forget(workspaceId: string): void {
    this.workspaces.delete(workspaceId);
  }

  clear(): void {
    this.workspaces.clear();
  }

  /** Stops warm-ups in flight (at close). */
  stop(): void {
    this.abort.abort();
  }

  private async warm(workspaceId: string, collectionId: string, self: Warmth): Promise<boolean> {
    const { signal } = this.abort;
    const listed = await this.api.get(collectionId, { include: [] }, signal);
    if (listed.ids.length > this.maxRecords) return false;
    let complete = true;
    for (let start = 0; start < listed.ids.length; start += PAGE) {
      const generation = this.generations.current(workspaceId);
      const page = await this.api.get(collectionId, { ids: listed.ids.slice(start, start + PAGE), include: ['documents', 'embeddings'] }, signal);
      // A write meanwhile, or the workspace forgotten (dropped, replaced, invalidated): this page is not kept.
      if (this.generations.current(workspaceId) !== generation || this.workspaces.get(workspaceId) !== self) {
        complete = false;
        continue;
      }
      page.ids.forEach((id, i) => {
        const document = page.documents?.[i];
        const embedding = page.embeddings?.[i];
        if (document && embedding) this.records.put(workspaceId, id, { document, vector: Float32Array.from(embedding) });
      });
    }
    return complete;
  }
}
