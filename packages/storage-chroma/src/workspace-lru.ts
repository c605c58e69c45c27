import { LRUCache } from 'lru-cache';

/** Hits and misses of one cache, as `getCacheStatistics()` reports them. */
export interface CacheFigures {
  size: number;
  maxSize: number;
  hits: number;
  misses: number;
  /** Hits as a percentage (0-100) of lookups; 0 before any. */
  hitRate: number;
}

/**
 * An LRU + TTL map (lru-cache) whose keys belong to workspaces, so that everything of one workspace can be visited
 * or dropped. Keys are JSON arrays (`["ws","id"]`): no separator a user could type can make two keys collide.
 */
export class WorkspaceLru<V extends object> {
  private readonly lru: LRUCache<string, V>;
  private readonly keys = new Map<string, Set<string>>();
  private hits = 0;
  private misses = 0;

  constructor(private readonly maxSize: number, ttlMs: number) {
    this.lru = new LRUCache<string, V>({
      max: maxSize,
      ...(ttlMs === Infinity ? {} : { ttl: ttlMs }),
      dispose: (_value, key) => this.unindex(key),
    });
  }

  static key(workspaceId: string, ...parts: string[]): string {
    return JSON.stringify([workspaceId, ...parts]);
  }

  /** Looks up and counts a hit or a miss. */
  get(key: string): V | undefined {
    const value = this.lru.get(key);
    if (value === undefined) this.misses++;
    else this.hits++;
    return value;
  }

  /** Looks up without counting a hit or a miss (an expired entry is not returned). */
  peek(key: string): V | undefined {
    return this.lru.get(key);
  }

  set(workspaceId: string, key: string, value: V): void {
    this.lru.set(key, value);
    let keys = this.keys.get(workspaceId);
    if (!keys) this.keys.set(workspaceId, (keys = new Set()));
    keys.add(key);
  }

  delete(key: string): void {
    this.lru.delete(key);
  }

  /** The live values of a workspace. */
  *values(workspaceId: string): Generator<[string, V]> {
    for (const key of [...(this.keys.get(workspaceId) ?? [])]) {
      const value = this.peek(key);
      if (value !== undefined) yield [key, value];
    }
  }

  dropWorkspace(workspaceId: string): void {
    for (const key of [...(this.keys.get(workspaceId) ?? [])]) this.lru.delete(key);
    this.keys.delete(workspaceId);
  }

  clear(): void {
    this.lru.clear();
    this.keys.clear();
  }

  figures(): CacheFigures {
    const lookups = this.hits + this.misses;
    return { size: this.lru.size, maxSize: this.maxSize, hits: this.hits, misses: this.misses, hitRate: lookups === 0 ? 0 : (100 * this.hits) / lookups };
  }

  private unindex(key: string): void {
    const workspaceId = (JSON.parse(key) as string[])[0]!;
    const keys = this.keys.get(workspaceId);
    keys?.delete(key);
    if (keys?.size === 0) this.keys.delete(workspaceId);
  }
}
