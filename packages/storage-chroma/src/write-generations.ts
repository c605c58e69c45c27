/**
 * Counts the writes of each workspace: its generation changes when a write starts and again when it ends. A reader
 * notes the generation before it asks Chroma and fills a cache only if it is unchanged afterwards, so a read that
 * overlapped a write never caches what the write changed (the write updates or drops the entries itself, at its end).
 */
export class WriteGenerations {
  // Never deleted: a generation restarting from an old value could make a stale reader look current.
  private readonly generations = new Map<string, number>();
  private counter = 0;

  current(workspaceId: string): number {
    return this.generations.get(workspaceId) ?? 0;
  }

  bump(workspaceId: string): void {
    this.generations.set(workspaceId, ++this.counter);
  }

  /** Runs a write of `workspaceId` between two bumps. */
  async around<T>(workspaceId: string, fn: () => Promise<T>): Promise<T> {
    this.bump(workspaceId);
    try {
      return await fn();
    } finally {
      this.bump(workspaceId);
    }
  }
}
