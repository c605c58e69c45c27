import type { ScoreComponents } from './ranking.js';
import type { MemoryItem, Outcome, Trace, TraceInput } from './types.js';

/** Options of `retrieveMemories`. */
export interface RetrieveOptions {
  /** The workspace to search. Required. */
  workspaceId: string;
  /** Memories returned, 1-100. Defaults to `1` (the paper's best setting). */
  k?: number;
  /** Whether memories of failed traces may be returned. Defaults to `true` (they carry what to avoid). */
  includeFailures?: boolean;
  /** Only memories of this domain. Defaults to any domain. */
  domain?: string;
  /** Only memories carrying at least one of these tags. Defaults to no tag filter. */
  tags?: string[];
  /** Drop results whose composite `score` is below this. Defaults to no threshold. */
  minScore?: number;
}

/** One retrieved memory with every component of its score. */
export interface RetrievedMemory extends ScoreComponents {
  memory: MemoryItem;
  /** Chroma's cosine distance, as returned. */
  distance: number;
}

/** What `addTrace` stored. */
export interface AddTraceResult {
  traceId: string;
  memoryIds: string[];
}

/** A memory in a genealogy, with its distance in generations from the root. */
export interface GenealogyEntry {
  memory: MemoryItem;
  depth: number;
}

export interface Genealogy {
  memory: MemoryItem;
  /** Parents (`parentId`, `derivedFrom`) and their ancestors, nearest first. */
  ancestors: GenealogyEntry[];
  /** Memories naming this one (or a descendant) as parent or source, nearest first. */
  descendants: GenealogyEntry[];
  /** True when `maxDepth` stopped the walk with generations left. */
  truncated: boolean;
}

/** Counts of one workspace. */
export interface StoreStatistics {
  memories: number;
  traces: number;
  memoriesByOutcome: Record<Outcome, number>;
  tracesByOutcome: Record<Outcome, number>;
  /** Memories per domain; memories without one count under `""`. */
  memoriesByDomain: Record<string, number>;
  /** Failure-derived memories (with `errorContext`). */
  errorMemories: number;
}

/** What a retention call deleted (or, with `dryRun`, would delete). */
export interface RetentionResult {
  memories: number;
  traces: number;
  dryRun: boolean;
}

/** The memory bank the agent depends on. Every call is scoped to one workspace. */
export interface MemoryStore {
  addTrace(trace: TraceInput): Promise<AddTraceResult>;
  retrieveMemories(query: string, options: RetrieveOptions): Promise<RetrievedMemory[]>;
  getMemory(id: string, scope: { workspaceId: string }): Promise<MemoryItem | undefined>;
  getMemories(ids: readonly string[], scope: { workspaceId: string }): Promise<(MemoryItem | undefined)[]>;
  getTrace(id: string, scope: { workspaceId: string }): Promise<Trace | undefined>;
  getGenealogy(id: string, options: { workspaceId: string; maxDepth?: number }): Promise<Genealogy | undefined>;
  getStatistics(scope: { workspaceId: string }): Promise<StoreStatistics>;
}
