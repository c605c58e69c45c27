import type { MemoryBackend, ScanPage } from '../backend/memory-backend.js';
import { invalidInput } from '../errors.js';
import type { MemoryItem } from '../memory-item.js';
import type { Trace } from '../trace.js';
import { throwIfAborted } from './abort.js';

const PAGE = 500;

/** Every row of one kind of a workspace, a page at a time. */
export async function* scanAll(
  backend: MemoryBackend,
  kind: 'memories' | 'traces',
  workspaceId: string,
  withVectors: boolean,
  signal?: AbortSignal,
): AsyncGenerator<ScanPage<MemoryItem | Trace>['rows']> {
  let cursor: string | undefined;
  do {
    throwIfAborted(signal);
    const request = { workspaceId, limit: PAGE, withVectors, ...(cursor === undefined ? {} : { cursor }), ...(signal ? { signal } : {}) };
    const page: ScanPage<MemoryItem | Trace> = kind === 'memories' ? await backend.scanMemories(request) : await backend.scanTraces(request);
    if (page.rows.length > 0) yield page.rows;
    if (page.nextCursor !== undefined && page.nextCursor === cursor) throw new Error(`the backend's ${kind} scan returned the same cursor twice`);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
}

/** Ids of the records created before `cutoff` (an ISO date), read a page at a time. */
export async function retentionCandidates(
  backend: MemoryBackend,
  workspaceId: string,
  cutoff: string,
): Promise<{ memoryIds: string[]; traceIds: string[] }> {
  const cutoffMs = Date.parse(cutoff);
  const old = { memoryIds: [] as string[], traceIds: [] as string[] };
  for (const kind of ['memories', 'traces'] as const) {
    for await (const rows of scanAll(backend, kind, workspaceId, false)) {
      for (const { record } of rows) if (Date.parse(record.createdAt) < cutoffMs) old[kind === 'memories' ? 'memoryIds' : 'traceIds'].push(record.id);
    }
  }
  return old;
}

/** The position after `trace` in newest-first order, as an opaque string. */
export function encodeCursor(trace: Trace): string {
  return Buffer.from(JSON.stringify([trace.createdAt, trace.id]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string' && !Number.isNaN(Date.parse(value[0]))) {
      return { createdAt: value[0], id: value[1] };
    }
  } catch {
    // reported below
  }
  throw invalidInput('cursor', 'cursor must be the nextCursor of an earlier listTraces page');
}
