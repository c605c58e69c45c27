import { OutcomeSchema, TRACE_LIMITS, TrajectoryStepSchema, WorkspaceIdSchema, type Outcome, type TrajectoryStep } from '@rb/memory';
import { z } from 'zod';
import { isAbortSignal } from '../parse-input.js';
import type { AgentProgress } from './run-context.js';

const wellFormed = (value: string) => !value.includes('\u0000') && (value as string & { isWellFormed(): boolean }).isWellFormed();
const text = (max: number) =>
  z
    .string()
    .max(max)
    .refine(wellFormed, 'must be well-formed Unicode without NUL characters')
    .refine((v) => v.trim().length > 0, 'must not be empty');
const key = z.string().min(1).max(100).refine(wellFormed, 'must be well-formed Unicode without NUL characters');
const signal = z.custom<AbortSignal>(isAbortSignal, 'must be an AbortSignal').optional();
const listener = z.custom<(progress: AgentProgress) => void>((v) => typeof v === 'function', 'must be a function').optional();

const BudgetSchema = z.strictObject({
  tokens: z.number().positive().optional(),
  timeMs: z.number().positive().optional(),
  iterations: z.int().min(1).max(20).optional(),
});

/** Limits of one run, each overriding the agent's option of the same purpose. */
export interface RunBudget {
  /** Tokens the run may spend (input + output; cache hits are free). Overrides `tokenBudget`. */
  tokens?: number;
  /** Wall time of the run in ms. Overrides `timeBudgetMs`. */
  timeMs?: number;
  /** Think / refine rounds (per MaTTS attempt). Overrides `maxIterations`. */
  iterations?: number;
}

/** MaTTS: spend more compute on one task, and learn from the contrast of attempts. */
export interface MattsOptions {
  /** `parallel`: k attempts at once, then self-contrast; `sequential`: one answer re-examined k times. */
  mode: 'parallel' | 'sequential';
  /** Attempts (parallel) or re-examinations (sequential), 1-10. */
  k: number;
}

export const SolveRequestSchema = z.strictObject({
  task: text(TRACE_LIMITS.task.max),
  workspaceId: WorkspaceIdSchema.optional(),
  useMemory: z.boolean().optional(),
  judge: z.boolean().optional(),
  learn: z.boolean().optional(),
  matts: z.strictObject({ mode: z.enum(['parallel', 'sequential']), k: z.int().min(1).max(10) }).optional(),
  budget: BudgetSchema.optional(),
  domain: key.optional(),
  tags: z.array(key).max(10).optional(),
  signal,
  onProgress: listener,
});

/** One task to solve. */
export interface SolveRequest {
  /** The task, as a user would state it (at most 100,000 characters). */
  task: string;
  /** The workspace to retrieve from and learn into. Required when the agent has a store (the facade has a default). */
  workspaceId?: string;
  /** Retrieve memories for the prompt. Defaults to `true` (when there is a store). */
  useMemory?: boolean;
  /** Judge the run after it (success / failure). Defaults to `true`; without it nothing can be learned. */
  judge?: boolean;
  /** Extract memories from the judged run and store them with its trace. Defaults to `true` (when there is a store). */
  learn?: boolean;
  /** Memory-aware test-time scaling. Defaults to none: one think -> evaluate -> refine loop. */
  matts?: MattsOptions;
  budget?: RunBudget;
  /** Domain of the trace and its memories (`python`, `sql`...); also filters retrieval. Defaults to none. */
  domain?: string;
  /** Tags of the learned memories. Defaults to none. */
  tags?: string[];
  signal?: AbortSignal;
  /** Called as each step starts, and once at the end (`phase: 'done'`). */
  onProgress?: (progress: AgentProgress) => void;
}

export const LearnRequestSchema = z
  .strictObject({
    task: text(TRACE_LIMITS.task.max),
    trajectory: z.union([text(TRACE_LIMITS.stepOutput), z.array(TrajectoryStepSchema).min(1).max(TRACE_LIMITS.steps - 10)]),
    finalAnswer: text(TRACE_LIMITS.stepOutput).optional(),
    outcome: OutcomeSchema.optional(),
    judgeReasoning: z.string().max(TRACE_LIMITS.judgeReasoning).refine(wellFormed, 'must be well-formed Unicode without NUL characters').optional(),
    workspaceId: WorkspaceIdSchema.optional(),
    budget: BudgetSchema.omit({ iterations: true }).optional(),
    domain: key.optional(),
    tags: z.array(key).max(10).optional(),
    signal,
    onProgress: listener,
  })
  .refine((r) => r.judgeReasoning === undefined || r.outcome !== undefined, {
    path: ['judgeReasoning'],
    message: 'is only accepted with an outcome (without one the judge writes its own)',
  });

/** A trajectory produced elsewhere (by the coding assistant that calls the MCP server, say) to learn from. */
export interface LearnRequest {
  task: string;
  /** What the agent did: free text (a transcript), or steps. At most 200,000 characters per step. */
  trajectory: string | TrajectoryStep[];
  /** The answer or result the trajectory ended with, when it is not its last step. */
  finalAnswer?: string;
  /** The outcome, when the caller knows it (tests passed, the user accepted). Defaults to the judge's verdict. */
  outcome?: Outcome;
  /** Why, with `outcome`. */
  judgeReasoning?: string;
  /** Required (the facade has a default). */
  workspaceId?: string;
  budget?: Omit<RunBudget, 'iterations'>;
  domain?: string;
  tags?: string[];
  signal?: AbortSignal;
  onProgress?: (progress: AgentProgress) => void;
}
