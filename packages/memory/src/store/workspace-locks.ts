/**
 * Serialises the writes of each workspace within this process, and counts them: a workspace's generation changes when
 * a write starts and again when it ends. A reader notes the generation before it reads and fills a cache only if it is
 * unchanged afterwards, so a read that overlapped a write never caches what the write changed.
 */
export class WorkspaceLocks {
  private readonly tails = new Map<string, Promise<void>>();
  // Never deleted: a generation that restarted from an old value could make a stale reader look current.
  private readonly generations = new Map<string, number>();
  private counter = 0;

  generation(workspaceId: string): number {
    return this.generations.get(workspaceId) ?? 0;
  }

  /** Marks a change made outside this process (an invalidation event). */
  bump(workspaceId: string): void {
    this.generations.set(workspaceId, ++this.counter);
  }

  /** Runs `fn` once the workspace's earlier writes have settled, bumping the generation before and after. */
  async write<T>(workspaceId: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(workspaceId) ?? Promise.resolve();
    let release!: () => void;
    const tail = new Promise<void>((resolve) => (release = resolve));
    this.tails.set(workspaceId, tail);
    await previous;
    this.bump(workspaceId);
    try {
      return await fn();
    } finally {
      this.bump(workspaceId);
      if (this.tails.get(workspaceId) === tail) this.tails.delete(workspaceId);
      release();
    }
  }

  /** Resolves when every write queued so far has settled. */
  async drain(): Promise<void> {
    await Promise.all([...this.tails.values()]);
  }
}
