import type { Outcome, TrajectoryStep } from '@rb/memory';
import { z } from 'zod';
import { AgentError } from '../errors.js';
import type { StepEnv } from '../loop/step-env.js';
import { fitPrompt } from '../loop/step-env.js';
import { JUDGE_FORMAT, JUDGE_INSTRUCTIONS } from '../prompts/review-prompts.js';
import { taskSection } from '../prompts/solve-prompts.js';
import { generateObject } from '../structured/generate-object.js';
import { renderTrajectory } from './render-trajectory.js';

/** The judge's answer: its reasoning first, then a binary status, as in the paper. */
export const VerdictSchema = z.strictObject({
  reasoning: z.string().max(20_000),
  status: z.enum(['success', 'failure']),
});

/**
 * The outcome of a run: the judge's `success` or `failure` (`partial` only when a caller of `learn` says so), or
 * `unknown` when the judge itself failed or did not run: then nothing is learned.
 */
export type JudgedOutcome = Outcome | 'unknown';

export interface Verdict {
  outcome: JudgedOutcome;
  reasoning: string;
  /** Why the outcome is `unknown`. */
  error?: Error;
}

/**
 * Labels a trajectory success or failure with the strict judge, at the evaluation temperature. A judge that fails
 * (an answer that is not valid JSON even after the repair, the provider down, the budget spent) gives `unknown` and
 * never throws, except when the run was aborted.
 */
export async function judgeTrajectory(
  env: StepEnv,
  input: { task: string; steps: readonly TrajectoryStep[]; finalAnswer?: string },
): Promise<Verdict> {
  env.ctx.progress('judge', 'judging the trajectory');
  try {
    env.ctx.checkpoint();
    const prompt = fitPrompt(env, {
      instructions: JUDGE_INSTRUCTIONS,
      sections: [
        { name: 'task', text: taskSection(input.task), pinned: true },
        { name: 'trajectory', text: `## Trajectory\n${renderTrajectory(input.steps)}`, priority: 0 },
        { name: 'final answer', text: input.finalAnswer === undefined ? '' : `## Final answer\n${input.finalAnswer}`, priority: 2 },
        { name: 'format', text: JUDGE_FORMAT, pinned: true },
      ],
    });
    const { value } = await generateObject(env.judgeModel, {
      name: 'verdict',
      schema: VerdictSchema,
      ...prompt,
      temperature: env.settings.evaluationTemperature,
      maxOutputTokens: env.settings.maxOutputTokens,
    });
    return { outcome: value.status, reasoning: value.reasoning };
  } catch (error) {
    if (AgentError.isInstance(error) && error.code === 'ABORTED') throw error;
    return { outcome: 'unknown', reasoning: '', error: error instanceof Error ? error : new Error(String(error)) };
  }
}
