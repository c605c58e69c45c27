import type { MemoryItem, TrajectoryStep } from '@rb/memory';
import { z } from 'zod';
import { AgentError } from '../errors.js';
import { extractMemories, type Extraction } from '../extract/extract-memories.js';
import { ContrastItemSchema, type ExtractedMemory } from '../extract/memory-item-schemas.js';
import { literalIssues, quotedLiterals, taskLiterals } from '../extract/task-literals.js';
import { judgeTrajectory, type Verdict } from '../judge/judge-trajectory.js';
import { renderTrajectory } from '../judge/render-trajectory.js';
import { runReasoningLoop, type LoopResult } from '../loop/reasoning-loop.js';
import { fitPrompt, type StepEnv } from '../loop/step-env.js';
import { CONTRAST_FORMAT, CONTRAST_INSTRUCTIONS } from '../prompts/extract-prompts.js';
import { taskSection } from '../prompts/solve-prompts.js';
import { generateObject } from '../structured/generate-object.js';
import { mapConcurrent } from './map-concurrent.js';

const ContrastSchema = z.strictObject({
  reasoning: z.string().max(20_000),
  bestAttempt: z.int(),
  items: z.array(ContrastItemSchema).max(5),
});

/** One MaTTS attempt as the result reports it. */
export interface AttemptSummary {
  /** 0-based. */
  attempt: number;
  temperature: number;
  /** Its best answer; absent when the attempt failed before answering. */
  answer?: string;
  score?: number;
  outcome: Verdict['outcome'];
  /** Why the attempt has no answer, or why its outcome is unknown. */
  error?: Error;
}

/** What a scaled run produced, before consolidation and storage. */
export interface ScaledRun {
  answer: string;
  score: number | undefined;
  bestAttempt: number;
  attempts: AttemptSummary[];
  steps: TrajectoryStep[];
  verdict: Verdict;
  extraction: Extraction | undefined;
  /** Why nothing was extracted, when extraction failed. */
  extractionError?: Error;
  iterations: number;
  stopReason: LoopResult['stopReason'];
  /** What stopped the winning attempt early (a failed evaluation, a later step's error, a budget). */
  stopError?: Error;
}

/** Temperatures spread evenly over `base - 0.2 .. base + 0.2` (within 0-2), so the k attempts differ. */
export function attemptTemperatures(base: number, k: number): number[] {
  if (k === 1) return [base];
  return Array.from({ length: k }, (_, i) => Math.min(2, Math.max(0, Math.round((base - 0.2 + (0.4 * i) / (k - 1)) * 100) / 100)));
}

/**
 * MaTTS parallel scaling: k attempts of one task run at the same time (each a full think -> evaluate -> refine loop,
 * at a different temperature), each is judged, then one self-contrast step over all k different attempts picks the
 * best and extracts up to 5 items from what set the good attempts apart. If the contrast fails, the best attempt by
 * verdict then score wins and ordinary extraction runs on it.
 */
export async function runParallelScaling(
  env: StepEnv,
  input: { task: string; memories: readonly MemoryItem[]; k: number; concurrency: number; maxIterations: number; learn: boolean },
): Promise<ScaledRun> {
  const temperatures = attemptTemperatures(env.settings.generationTemperature, input.k);
  const runs = await mapConcurrent(temperatures, input.concurrency, async (temperature, attempt) => {
    try {
      return { loop: await runReasoningLoop(env, { task: input.task, memories: input.memories, maxIterations: input.maxIterations, temperature, attempt }) };
    } catch (error) {
      if (AgentError.isInstance(error) && error.code === 'ABORTED') throw error;
      return { error: error as Error };
    }
  });
  const answered = runs.map((r, attempt) => ({ ...r, attempt, temperature: temperatures[attempt]! })).filter((r) => r.loop !== undefined);
  if (answered.length === 0) throw runs[0]!.error!;

  // Judged concurrently: each verdict feeds the contrast, and the best attempt's is the run's outcome.
  const verdicts = await Promise.all(
    answered.map((r) => judgeTrajectory(env, { task: input.task, steps: r.loop!.steps, finalAnswer: r.loop!.answer })),
  );
  const attempts: AttemptSummary[] = runs.map((r, attempt) => {
    const at = answered.findIndex((a) => a.attempt === attempt);
    return {
      attempt,
      temperature: temperatures[attempt]!,
      ...(r.loop ? { answer: r.loop.answer, ...(r.loop.score === undefined ? {} : { score: r.loop.score }) } : {}),
      outcome: at === -1 ? 'unknown' : verdicts[at]!.outcome,
      ...(r.error ? { error: r.error } : at !== -1 && verdicts[at]!.error ? { error: verdicts[at]!.error } : {}),
    };
  });
  const steps: TrajectoryStep[] = answered.flatMap((r) => r.loop!.steps);
  for (const [i, r] of answered.entries()) {
    steps.push({ kind: 'candidate', output: r.loop!.answer, attempt: r.attempt, ...(r.loop!.score === undefined ? {} : { score: r.loop!.score }), feedback: `${verdicts[i]!.outcome}: ${verdicts[i]!.reasoning}` });
  }

  let bestIndex = fallbackBest(answered.map((r, i) => ({ score: r.loop!.score, outcome: verdicts[i]!.outcome })));
  let extraction: Extraction | undefined;
  let extractionError: Error | undefined;
  if (answered.length > 1) {
    try {
      const contrast = await contrastAttempts(env, input.task, answered.map((r, i) => ({ attempt: r.attempt, loop: r.loop!, verdict: verdicts[i]! })));
      bestIndex = answered.findIndex((r) => r.attempt === contrast.bestAttempt);
      extraction = { reasoning: contrast.reasoning, items: contrast.items, dropped: contrast.dropped };
      steps.push({ kind: 'contrast', output: contrast.reasoning, feedback: `best attempt: ${contrast.bestAttempt + 1}` });
    } catch (error) {
      if (AgentError.isInstance(error) && error.code === 'ABORTED') throw error;
      extractionError = error as Error;
    }
  }
  const best = answered[bestIndex]!;
  const verdict = verdicts[bestIndex]!;
  if (extraction === undefined && input.learn && verdict.outcome !== 'unknown') {
    try {
      extraction = await extractMemories(env, { task: input.task, steps: best.loop!.steps, finalAnswer: best.loop!.answer, outcome: verdict.outcome, judgeReasoning: verdict.reasoning });
      extractionError = undefined;
    } catch (error) {
      if (AgentError.isInstance(error) && error.code === 'ABORTED') throw error;
      extractionError ??= error as Error;
    }
  }
  return {
    answer: best.loop!.answer,
    score: best.loop!.score,
    bestAttempt: best.attempt,
    attempts,
    steps,
    verdict,
    extraction,
    ...(extractionError === undefined ? {} : { extractionError }),
    iterations: answered.reduce((n, r) => n + r.loop!.iterations, 0),
    stopReason: best.loop!.stopReason,
    ...(best.loop!.error === undefined ? {} : { stopError: best.loop!.error }),
  };
}

/** Success before partial before failure before unknown, then the higher score, then the earlier attempt. */
function fallbackBest(candidates: readonly { score: number | undefined; outcome: Verdict['outcome'] }[]): number {
  const rank = { success: 3, partial: 2, failure: 1, unknown: 0 } as const;
  let best = 0;
  candidates.forEach((c, i) => {
    const b = candidates[best]!;
    if (rank[c.outcome] > rank[b.outcome] || (rank[c.outcome] === rank[b.outcome] && (c.score ?? -1) > (b.score ?? -1))) best = i;
  });
  return best;
}

async function contrastAttempts(
  env: StepEnv,
  task: string,
  attempts: readonly { attempt: number; loop: LoopResult; verdict: Verdict }[],
): Promise<{ reasoning: string; bestAttempt: number; items: ExtractedMemory[]; dropped: ExtractedMemory[] }> {
  env.ctx.progress('contrast', `contrasting ${attempts.length} attempts`);
  env.ctx.checkpoint();
  const literals = taskLiterals(task);
  const numbers = attempts.map((a) => a.attempt + 1);
  const prompt = fitPrompt(env, {
    instructions: CONTRAST_INSTRUCTIONS,
    sections: [
      { name: 'task', text: taskSection(task), pinned: true },
      ...attempts.map((a) => ({
        name: `attempt ${a.attempt + 1}`,
        text:
          `## Attempt ${a.attempt + 1}: ${a.verdict.outcome}${a.loop.score === undefined ? '' : `, self-review score ${a.loop.score.toFixed(2)}`}\n` +
          `${a.verdict.reasoning ? `Reviewer: ${a.verdict.reasoning}\n` : ''}${renderTrajectory(a.loop.steps)}`,
        priority: 1,
      })),
      { name: 'format', text: `${CONTRAST_FORMAT} The attempt numbers are ${numbers.join(', ')}.`, pinned: true },
    ],
  });
  const { value } = await generateObject(env.judgeModel, {
    name: 'contrast',
    schema: ContrastSchema,
    ...prompt,
    temperature: env.settings.evaluationTemperature,
    maxOutputTokens: env.settings.maxOutputTokens,
    check: (v) => [
      ...(numbers.includes(v.bestAttempt) ? [] : [`bestAttempt must be one of ${numbers.join(', ')}, got ${v.bestAttempt}`]),
      ...literalIssues(v.items.map(asExtracted), literals),
    ],
  });
  if (!numbers.includes(value.bestAttempt)) {
    throw new AgentError({ code: 'INVALID_STRUCTURED_OUTPUT', message: `the contrast named attempt ${value.bestAttempt}, which does not exist` });
  }
  const items: ExtractedMemory[] = [];
  const dropped: ExtractedMemory[] = [];
  for (const item of value.items.map(asExtracted)) (quotedLiterals(item, literals).length > 0 ? dropped : items).push(item);
  return { reasoning: value.reasoning, bestAttempt: value.bestAttempt - 1, items, dropped };
}

function asExtracted(item: z.infer<typeof ContrastItemSchema>): ExtractedMemory {
  const { errorContext, ...rest } = item;
  return errorContext === null ? rest : { ...rest, errorContext };
}
