/** How the task of a trace ended, as the judge labelled it. */
export type Outcome = 'success' | 'failure' | 'partial';

export type Difficulty = 'simple' | 'moderate' | 'complex' | 'expert';

/** What a failure-derived memory says went wrong. */
export interface ErrorContext {
  errorType: string;
  failurePattern: string;
  correctiveGuidance: string;
}

/** A memory item as a caller hands it to `addTrace` (the trace supplies workspace, trace id and outcome). */
export interface MemoryItemInput {
  /** Stable id (use `createId()`); the same id on a retry overwrites instead of duplicating. */
  id: string;
  /** 5-200 characters. */
  title: string;
  /** 10-500 characters. */
  description: string;
  /** At least 20 characters. */
  content: string;
  errorContext?: ErrorContext;
  /** The memory this one refines. */
  parentId?: string;
  /** Memories this one was distilled from. */
  derivedFrom?: string[];
  /** 0 for an original memory, parent's stage + 1 for a refinement. */
  evolutionStage?: number;
  /** At most 10 non-empty strings. */
  tags?: string[];
  difficulty?: Difficulty;
  domain?: string;
  /** Defaults to the trace's `createdAt`. */
  createdAt?: Date | string;
}

/** A stored memory item. Dates are ISO-8601 UTC strings. */
export interface MemoryItem extends Omit<MemoryItemInput, 'createdAt'> {
  createdAt: string;
  traceId: string;
  workspaceId: string;
  outcome: Outcome;
}

/** One step of a trajectory. */
export interface TrajectoryStep {
  kind: 'think' | 'evaluate' | 'refine' | 'candidate' | 'contrast';
  output: string;
  score?: number;
  feedback?: string;
}

/** One solved (or failed) task, as a caller hands it to `addTrace`. */
export interface TraceInput {
  id: string;
  workspaceId: string;
  task: string;
  outcome: Outcome;
  trajectory?: TrajectoryStep[];
  judgeVerdict?: string;
  judgeReasoning?: string;
  /** Ids of the memories that were in the prompt. */
  usedMemoryIds?: string[];
  /** Memories extracted from this trace, stored alongside it. */
  memories?: MemoryItemInput[];
  tokenUsage?: { input: number; output: number };
  /** Named durations in milliseconds. */
  timings?: Record<string, number>;
  parentTraceId?: string;
  domain?: string;
  /** Defaults to now. */
  createdAt?: Date | string;
}

/** A stored trace: the memories are referenced by id. */
export interface Trace extends Omit<TraceInput, 'memories' | 'createdAt'> {
  createdAt: string;
  extractedMemoryIds: string[];
}
