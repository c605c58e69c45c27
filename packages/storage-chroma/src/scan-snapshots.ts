import { randomUUID } from 'node:crypto';
import { invalidInput } from '@rb/memory';
import { LRUCache } from 'lru-cache';

/**
 * Stable scans over Chroma, which pages only by offset (a delete during a scan would shift rows past the reader). A
 * scan lists its collection's ids once, sorted, and pages through that snapshot; the cursor names the snapshot and the
 * last id served, so a scan whose snapshot was evicted resumes from a fresh listing after that id. A row written during
 * a scan is in a later page or not at all, never twice; a row deleted meanwhile is skipped.
 */
export class ScanSnapshots {
  private readonly snapshots = new LRUCache<string, string[]>({ max: 32, ttl: 10 * 60_000 });

  async page<R>(
    request: { cursor?: string; limit: number },
    listIds: () => Promise<string[]>,
    readRows: (ids: string[]) => Promise<R[]>,
  ): Promise<{ rows: R[]; nextCursor?: string }> {
    let snapshot: string;
    let ids: string[];
    let start = 0;
    if (request.cursor === undefined) {
      snapshot = randomUUID();
      ids = (await listIds()).sort();
      this.snapshots.set(snapshot, ids);
    } else {
      const [name, lastId] = decode(request.cursor);
      snapshot = name;
      ids = this.snapshots.get(snapshot) ?? (await listIds()).sort();
      this.snapshots.set(snapshot, ids);
      start = firstAfter(ids, lastId);
    }
    // At least one row unless the scan is done, even when a whole slice was deleted meanwhile.
    for (;;) {
      const end = Math.min(start + request.limit, ids.length);
      const rows = end > start ? await readRows(ids.slice(start, end)) : [];
      if (end >= ids.length) {
        this.snapshots.delete(snapshot);
        return { rows };
      }
      if (rows.length > 0) return { rows, nextCursor: encode(snapshot, ids[end - 1]!) };
      start = end;
    }
  }
}

function encode(snapshot: string, lastId: string): string {
  return Buffer.from(JSON.stringify([snapshot, lastId]), 'utf8').toString('base64url');
}

function decode(cursor: string): [string, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') return [value[0], value[1]];
  } catch {
    // reported below
  }
  throw invalidInput('cursor', 'cursor must be the nextCursor of an earlier scan page');
}

/** Index of the first id greater than `id` in sorted `ids`. */
function firstAfter(ids: readonly string[], id: string): number {
  let low = 0;
  let high = ids.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (ids[mid]! <= id) low = mid + 1;
    else high = mid;
  }
  return low;
}
