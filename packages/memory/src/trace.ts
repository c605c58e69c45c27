import { z } from 'zod';
import { MemoryItemInputSchema, OutcomeSchema } from './memory-item.js';
import { IdSchema, isoDateTime, key, text, WorkspaceIdSchema } from './text-schemas.js';

/** Limits of a trace's fields. */
export const TRACE_LIMITS = {
  task: { min: 1, max: 100_000 },
  stepOutput: 200_000,
  steps: 1000,
  judgeReasoning: 20_000,
  memories: 20,
  usedMemoryIds: 100,
  timings: 50,
} as const;

const L = TRACE_LIMITS;

export const TrajectoryStepKindSchema = z
  .enum(['think', 'action', 'observation', 'evaluate', 'refine', 'candidate', 'contrast', 'reflection'])
  .meta({
    description:
      'think/refine: an answer or a revision; evaluate: a self-evaluation; candidate/contrast: MaTTS attempts and their ' +
      'comparison; action/observation: tool calls and their results (trajectories from other agents); reflection: a check-again note.',
  });
export type TrajectoryStepKind = z.infer<typeof TrajectoryStepKindSchema>;

export const TrajectoryStepSchema = z.strictObject({
  kind: TrajectoryStepKindSchema,
  output: text(0, L.stepOutput),
  score: z.number().min(0).max(1).optional().meta({ description: 'The evaluation score of this step, 0-1.' }),
  feedback: text(0, L.stepOutput).optional(),
  /** Which MaTTS attempt the step belongs to (0-based). */
  attempt: z.int().min(0).max(100).optional(),
});
export type TrajectoryStep = z.infer<typeof TrajectoryStepSchema>;

const count = z.int().min(0).max(Number.MAX_SAFE_INTEGER);

export const TokenUsageSchema = z.strictObject({
  input: count,
  output: count,
  reasoning: count.optional(),
  cached: count.optional(),
});
export type TokenUsage = z.infer<typeof TokenUsageSchema>;

const traceFields = {
  task: text(L.task.min, L.task.max).meta({ description: 'The task as it was given.' }),
  outcome: OutcomeSchema,
  trajectory: z.array(TrajectoryStepSchema).max(L.steps).optional(),
  judgeVerdict: text(0, 200).optional().meta({ description: "The judge's label, e.g. success or failure." }),
  judgeReasoning: text(0, L.judgeReasoning).optional(),
  usedMemoryIds: z.array(IdSchema).max(L.usedMemoryIds).optional().meta({ description: 'Memories that were in the prompt.' }),
  tokenUsage: TokenUsageSchema.optional(),
  // A list, not a record: names are user text, and a record key such as `__proto__` would vanish on the way in.
  timings: z
    .array(z.strictObject({ name: key(100), ms: z.number().min(0).max(Number.MAX_SAFE_INTEGER) }))
    .max(L.timings)
    .optional()
    .meta({ description: 'Named durations in milliseconds, e.g. [{ "name": "generate", "ms": 1200 }].' }),
  parentTraceId: IdSchema.optional(),
  domain: key(100).optional(),
};

/** One solved (or failed) task as a caller hands it to `addTrace`, with the memories learned from it. */
export const TraceInputSchema = z.strictObject({
  id: IdSchema.optional().meta({
    description: 'Defaults to a new time-ordered UUIDv7; pass your own so that a retried call overwrites instead of duplicating.',
  }),
  ...traceFields,
  memories: z.array(MemoryItemInputSchema).max(L.memories).optional(),
  createdAt: isoDateTime.optional().meta({ description: 'ISO-8601 date-time. Defaults to now.' }),
});
export type TraceInput = z.input<typeof TraceInputSchema>;

/** A stored trace; its memories are referenced by id. */
export const TraceSchema = z.strictObject({
  id: IdSchema,
  workspaceId: WorkspaceIdSchema,
  ...traceFields,
  createdAt: isoDateTime,
  extractedMemoryIds: z.array(IdSchema),
});
export type Trace = z.infer<typeof TraceSchema>;
