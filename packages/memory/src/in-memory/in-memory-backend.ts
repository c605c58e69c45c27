import type {
  BackendOpenContext,
  MemoryBackend,
  MemoryFilter,
  MemoryRow,
  ReplaceWorkspaceRequest,
  ScanPage,
  ScanRequest,
  ScoredMemory,
  TraceRow,
  Vector,
} from '../backend/memory-backend.js';
import { abortError } from '../store/abort.js';
import { compileFilter } from '../backend/compile-filter.js';
import { dot, unitVector } from '../backend/vector-math.js';
import type { MemoryItem, Outcome } from '../memory-item.js';
import type { Trace } from '../trace.js';

interface StoredMemory {
  record: MemoryItem;
  /** The vector scaled to length 1, so a dot product is the cosine similarity. */
  unit: Float32Array;
  /** The vector as written, for backups. */
  vector: Float32Array;
}

interface StoredTrace {
  record: Trace;
  vector: Float32Array;
}

interface Workspace {
  memories: Map<string, StoredMemory>;
  traces: Map<string, StoredTrace>;
}

const clone = <T>(value: T): T => structuredClone(value);

/**
 * The in-process backend: records and vectors in Maps per workspace, brute-force cosine similarity over
 * `Float32Array`s. Every write is synchronous once it starts, so it is all or nothing by construction. Nothing
 * survives the process: use it for tests, small banks and users without a server.
 */
export class InMemoryBackend implements MemoryBackend {
  readonly name = 'in-memory';
  private readonly workspaces = new Map<string, Workspace>();
  private model: BackendOpenContext | undefined;

  async open(context: BackendOpenContext): Promise<void> {
    this.model = { ...context };
  }

  async writeTrace(request: { workspaceId: string; trace: TraceRow; memories: readonly MemoryRow[] }): Promise<void> {
    // Everything that can throw (copies, vector checks) happens before the first change.
    const memories = request.memories.map((row) => this.toStoredMemory(row));
    const trace = { record: clone(request.trace.record), vector: this.toFloat32(request.trace.vector) };
    const workspace = this.workspace(request.workspaceId, true)!;
    for (const memory of memories) workspace.memories.set(memory.record.id, memory);
    workspace.traces.set(trace.record.id, trace);
  }

  async putMemory(request: { workspaceId: string; row: MemoryRow }): Promise<void> {
    const memory = this.toStoredMemory(request.row);
    this.workspace(request.workspaceId, true)!.memories.set(memory.record.id, memory);
  }

  async deleteRecords(request: {
    workspaceId: string;
    memoryIds: readonly string[];
    traceIds: readonly string[];
  }): Promise<{ memoryIds: string[]; traceIds: string[] }> {
    const workspace = this.workspace(request.workspaceId, false);
    if (!workspace) return { memoryIds: [], traceIds: [] };
    const memoryIds = [...new Set(request.memoryIds)].filter((id) => workspace.memories.delete(id));
    const traceIds = [...new Set(request.traceIds)].filter((id) => workspace.traces.delete(id));
    this.dropIfEmpty(request.workspaceId);
    return { memoryIds, traceIds };
  }

  async replaceWorkspace(request: ReplaceWorkspaceRequest): Promise<void> {
    // Built aside, then swapped in one step: readers see the old content until the swap.
    const next: Workspace = { memories: new Map(), traces: new Map() };
    for await (const batch of request.memories) {
      if (request.signal?.aborted) throw abortError(request.signal);
      for (const row of batch) next.memories.set(row.record.id, this.toStoredMemory(row));
      request.onRows?.('memories', batch.length);
    }
    for await (const batch of request.traces) {
      if (request.signal?.aborted) throw abortError(request.signal);
      for (const row of batch) next.traces.set(row.record.id, { record: clone(row.record), vector: this.toFloat32(row.vector) });
      request.onRows?.('traces', batch.length);
    }
    if (request.signal?.aborted) throw abortError(request.signal);
    if (next.memories.size + next.traces.size === 0) this.workspaces.delete(request.workspaceId);
    else this.workspaces.set(request.workspaceId, next);
  }

  async dropWorkspace(request: { workspaceId: string }): Promise<void> {
    this.workspaces.delete(request.workspaceId);
  }

  async queryMemories(request: {
    workspaceId: string;
    vector: Float32Array;
    limit: number;
    filter: MemoryFilter;
  }): Promise<ScoredMemory[]> {
    const workspace = this.workspace(request.workspaceId, false);
    if (!workspace) return [];
    const query = unitVector(request.vector);
    const matches = compileFilter(request.filter);
    const top: { stored: StoredMemory; similarity: number }[] = [];
    for (const stored of workspace.memories.values()) {
      if (!matches(stored.record)) continue;
      const similarity = dot(query, stored.unit);
      if (top.length === request.limit && similarity <= top[top.length - 1]!.similarity) continue;
      // Insertion into a short sorted list: the limit is small next to the bank.
      let i = top.length;
      while (i > 0 && top[i - 1]!.similarity < similarity) i--;
      top.splice(i, 0, { stored, similarity });
      if (top.length > request.limit) top.pop();
    }
    return top.map(({ stored, similarity }) => ({ memory: clone(stored.record), similarity }));
  }

  async getMemories(request: {
    workspaceId: string;
    ids: readonly string[];
    withVectors: boolean;
  }): Promise<({ record: MemoryItem; vector?: Vector } | undefined)[]> {
    const workspace = this.workspace(request.workspaceId, false);
    return request.ids.map((id) => {
      const stored = workspace?.memories.get(id);
      if (!stored) return undefined;
      return request.withVectors ? { record: clone(stored.record), vector: stored.vector.slice() } : { record: clone(stored.record) };
    });
  }

  async getTraces(request: { workspaceId: string; ids: readonly string[] }): Promise<(Trace | undefined)[]> {
    const workspace = this.workspace(request.workspaceId, false);
    return request.ids.map((id) => {
      const stored = workspace?.traces.get(id);
      return stored ? clone(stored.record) : undefined;
    });
  }

  async findChildren(request: { workspaceId: string; ids: readonly string[] }): Promise<MemoryItem[]> {
    const workspace = this.workspace(request.workspaceId, false);
    if (!workspace) return [];
    const parents = new Set(request.ids);
    const children: MemoryItem[] = [];
    for (const { record } of workspace.memories.values()) {
      if ((record.parentId !== undefined && parents.has(record.parentId)) || (record.derivedFrom ?? []).some((id) => parents.has(id))) {
        children.push(clone(record));
      }
    }
    return children;
  }

  async listTraces(request: {
    workspaceId: string;
    limit: number;
    after?: { createdAt: string; id: string };
    outcome?: Outcome;
  }): Promise<Trace[]> {
    const workspace = this.workspace(request.workspaceId, false);
    if (!workspace) return [];
    const { after, outcome } = request;
    const newestFirst = (a: Trace, b: Trace) => compareDesc(a.createdAt, b.createdAt) || compareDesc(a.id, b.id);
    return [...workspace.traces.values()]
      .map((stored) => stored.record)
      .filter((trace) => outcome === undefined || trace.outcome === outcome)
      .filter((trace) => after === undefined || newestFirst(trace, after as Trace) > 0)
      .sort(newestFirst)
      .slice(0, request.limit)
      .map(clone);
  }

  async scanMemories(request: ScanRequest): Promise<ScanPage<MemoryItem>> {
    return scan(this.workspace(request.workspaceId, false)?.memories, request);
  }

  async scanTraces(request: ScanRequest): Promise<ScanPage<Trace>> {
    return scan(this.workspace(request.workspaceId, false)?.traces, request);
  }

  async count(request: { workspaceId: string }): Promise<{ memories: number; traces: number }> {
    const workspace = this.workspace(request.workspaceId, false);
    return { memories: workspace?.memories.size ?? 0, traces: workspace?.traces.size ?? 0 };
  }

  async listWorkspaces(): Promise<string[]> {
    return [...this.workspaces.keys()];
  }

  async ping(): Promise<void> {
    // Always answers: it lives in this process.
  }

  async close(): Promise<void> {
    this.workspaces.clear();
  }

  private workspace(workspaceId: string, create: boolean): Workspace | undefined {
    let workspace = this.workspaces.get(workspaceId);
    if (!workspace && create) {
      workspace = { memories: new Map(), traces: new Map() };
      this.workspaces.set(workspaceId, workspace);
    }
    return workspace;
  }

  private dropIfEmpty(workspaceId: string): void {
    const workspace = this.workspaces.get(workspaceId);
    if (workspace && workspace.memories.size === 0 && workspace.traces.size === 0) this.workspaces.delete(workspaceId);
  }

  private toStoredMemory(row: MemoryRow): StoredMemory {
    const vector = this.toFloat32(row.vector);
    return { record: clone(row.record), vector, unit: unitVector(vector) };
  }

  private toFloat32(vector: Vector): Float32Array {
    // The store checks vectors; this guards the backend's own invariant when it is used directly.
    if (this.model && vector.length !== this.model.dimension) {
      throw new RangeError(`a vector of ${vector.length} dimensions, expected ${this.model.dimension}`);
    }
    return Float32Array.from(vector);
  }
}


// Pages in id order from the id after the cursor: stable under concurrent writes (a row written during a scan is
// either in a later page or not at all, never twice).
function scan<R extends { id: string }>(
  rows: Map<string, { record: R; vector: Float32Array }> | undefined,
  request: ScanRequest,
): ScanPage<R> {
  if (!rows) return { rows: [] };
  const ids = [...rows.keys()].filter((id) => request.cursor === undefined || id > request.cursor).sort();
  const page = ids.slice(0, request.limit);
  const out = page.map((id) => {
    const stored = rows.get(id)!;
    return request.withVectors ? { record: clone(stored.record), vector: stored.vector.slice() } : { record: clone(stored.record) };
  });
  return ids.length > page.length ? { rows: out, nextCursor: page[page.length - 1]! } : { rows: out };
}

function compareDesc(a: string, b: string): number {
  return a < b ? 1 : a > b ? -1 : 0;
}
