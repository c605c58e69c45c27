import { TRACE_LIMITS, createId, type MemoryStore, type Outcome, type TraceInput, type TrajectoryStep } from '@rb/memory';
import { AgentError } from '../errors.js';
import { consolidate } from '../extract/consolidate.js';
import { extractMemories, type Extraction } from '../extract/extract-memories.js';
import type { Verdict } from '../judge/judge-trajectory.js';
import type { Learning, StepFailure } from './agent-results.js';
import type { StepEnv } from './step-env.js';

export interface LearningInput {
  store: MemoryStore | undefined;
  workspaceId: string | undefined;
  task: string;
  steps: readonly TrajectoryStep[];
  finalAnswer?: string;
  verdict: Verdict;
  /** Whether to extract and store at all. */
  learn: boolean;
  /** Items a MaTTS contrast already extracted; extraction runs when absent. */
  extraction?: Extraction;
  extractionError?: Error;
  usedMemoryIds: readonly string[];
  domain?: string;
  tags?: readonly string[];
}

/**
 * The end of every run: from a judged trajectory, extract memories (unless a MaTTS contrast did), consolidate them
 * against the bank, and store them together with the trace. An `unknown` outcome stores nothing. A failing step is
 * reported in `errors` and never loses the run's answer; an abort propagates and stores nothing.
 */
export async function learnFromRun(env: StepEnv, input: LearningInput): Promise<Learning> {
  const errors: StepFailure[] = [];
  const { verdict } = input;
  const base: Learning = { outcome: verdict.outcome, judgeReasoning: verdict.reasoning, learned: [], skipped: [], dropped: [], traceId: undefined, errors };
  if (verdict.error) errors.push({ phase: 'judge', error: verdict.error });
  if (verdict.outcome === 'unknown' || !input.learn || input.store === undefined || input.workspaceId === undefined) return base;
  const outcome: Outcome = verdict.outcome;
  const { store, workspaceId } = input;

  let extraction = input.extraction;
  if (input.extractionError) errors.push({ phase: 'extract', error: input.extractionError });
  if (extraction === undefined && input.extractionError === undefined) {
    try {
      extraction = await extractMemories(env, { task: input.task, steps: input.steps, ...(input.finalAnswer === undefined ? {} : { finalAnswer: input.finalAnswer }), outcome, judgeReasoning: verdict.reasoning });
    } catch (error) {
      rethrowAbort(error);
      errors.push({ phase: 'extract', error: error as Error });
    }
  }
  base.dropped = extraction?.dropped ?? [];

  let memories: NonNullable<TraceInput['memories']> = [];
  if (extraction !== undefined && extraction.items.length > 0) {
    env.ctx.progress('consolidate', `comparing ${extraction.items.length} new memories with the bank`);
    try {
      const result = await consolidate(store, workspaceId, extraction.items.slice(0, TRACE_LIMITS.memories), {
        duplicateThreshold: env.settings.duplicateThreshold,
        refinementThreshold: env.settings.refinementThreshold,
        ...(input.domain === undefined ? {} : { domain: input.domain }),
        ...(input.tags === undefined ? {} : { tags: input.tags }),
      });
      memories = result.planned;
      base.skipped = result.skipped;
    } catch (error) {
      errors.push({ phase: 'consolidate', error: error as Error });
    }
  }

  if (env.ctx.aborted) throw new AgentError({ code: 'ABORTED', message: 'the run was aborted before its trace was stored' });
  env.ctx.progress('store', `storing the trace and ${memories.length} memories`);
  const trace: TraceInput = {
    id: createId(),
    task: input.task,
    outcome,
    trajectory: input.steps.slice(0, TRACE_LIMITS.steps).map(cleanStep),
    judgeVerdict: outcome,
    judgeReasoning: clean(verdict.reasoning, TRACE_LIMITS.judgeReasoning),
    usedMemoryIds: input.usedMemoryIds.slice(0, TRACE_LIMITS.usedMemoryIds),
    tokenUsage: { ...env.ctx.usage },
    timings: env.ctx.timings.slice(0, TRACE_LIMITS.timings),
    memories,
    ...(input.domain === undefined ? {} : { domain: input.domain }),
  };
  try {
    const stored = await store.addTrace({ workspaceId, trace });
    base.traceId = stored.traceId;
    base.learned = memories.map((m) => ({ ...m })) as Learning['learned'];
  } catch (error) {
    errors.push({ phase: 'store', error: error as Error });
  }
  return base;
}

function rethrowAbort(error: unknown): void {
  if (AgentError.isInstance(error) && error.code === 'ABORTED') throw error;
}

function cleanStep(step: TrajectoryStep): TrajectoryStep {
  return {
    ...step,
    output: clean(step.output, TRACE_LIMITS.stepOutput),
    ...(step.feedback === undefined ? {} : { feedback: clean(step.feedback, TRACE_LIMITS.stepOutput) }),
  };
}

/** Model text made storable: NUL and lone surrogates replaced, cut to `max` characters. */
function clean(text: string, max: number): string {
  const cut = text.length > max ? text.slice(0, max) : text;
  return (cut as string & { toWellFormed(): string }).toWellFormed().replaceAll('\u0000', '\uFFFD');
}
