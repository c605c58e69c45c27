import type { MemoryItem, TrajectoryStep } from '@rb/memory';
import { z } from 'zod';
import { AgentError } from '../errors.js';
import { extractMemories, type Extraction } from '../extract/extract-memories.js';
import { evaluateAnswer } from '../judge/evaluate-answer.js';
import { judgeTrajectory } from '../judge/judge-trajectory.js';
import { endReason, generateAnswer, normalise, type StopReason } from '../loop/reasoning-loop.js';
import { fitPrompt, type StepEnv } from '../loop/step-env.js';
import { CHECK_AGAIN, CHECK_FIRST } from '../prompts/extract-prompts.js';
import { memoriesSection, previousAnswerSection, SOLVE_INSTRUCTIONS, taskSection } from '../prompts/solve-prompts.js';
import { generateObject } from '../structured/generate-object.js';
import type { AttemptSummary, ScaledRun } from './matts-parallel.js';

const ReflectionSchema = z.strictObject({ reflection: z.string().max(50_000), answer: z.string().min(1).max(200_000) });

/**
 * MaTTS sequential scaling: one answer, re-examined k times ("check again"); each round's reflection stays in the
 * trajectory as a signal for memory extraction. The last answer is evaluated once and judged. A budget that runs out
 * keeps the latest answer; an abort propagates.
 */
export async function runSequentialScaling(
  env: StepEnv,
  input: { task: string; memories: readonly MemoryItem[]; k: number; learn: boolean },
): Promise<ScaledRun> {
  const { ctx, settings } = env;
  const steps: TrajectoryStep[] = [];
  ctx.progress('think', 'thinking');
  ctx.checkpoint();
  let answer = await generateAnswer(env, { task: input.task, memories: input.memories, temperature: settings.generationTemperature }, []);
  steps.push({ kind: 'think', output: answer });

  let stopReason: StopReason = 'max-iterations';
  let stopError: Error | undefined;
  const reflections: string[] = [];
  for (let round = 1; round <= input.k; round++) {
    try {
      ctx.progress('reflect', `checking again (${round} of ${input.k})`, { iteration: round });
      ctx.checkpoint();
      const prompt = fitPrompt(env, {
        instructions: SOLVE_INSTRUCTIONS,
        sections: [
          { name: 'memories', text: memoriesSection(input.memories), priority: 1 },
          { name: 'task', text: taskSection(input.task), pinned: true },
          { name: 'reflections', text: reflections.length === 0 ? '' : `## Your earlier checks\n${reflections.map((r, i) => `${i + 1}. ${r}`).join('\n')}`, priority: 0 },
          { name: 'previous answer', text: previousAnswerSection(answer, undefined), priority: 2 },
          { name: 'check', text: round === 1 ? CHECK_FIRST : CHECK_AGAIN, pinned: true },
        ],
      });
      const { value } = await generateObject(env.model, {
        name: 'reflection',
        schema: ReflectionSchema,
        ...prompt,
        temperature: settings.generationTemperature,
        maxOutputTokens: settings.maxOutputTokens,
      });
      reflections.push(value.reflection);
      const changed = normalise(value.answer) !== normalise(answer);
      steps.push({ kind: 'reflection', output: value.reflection, feedback: changed ? 'corrected the answer' : 'confirmed the answer' });
      if (changed) {
        answer = value.answer;
        steps.push({ kind: 'refine', output: answer });
      }
    } catch (error) {
      const reason = endReason(error);
      if (reason === 'aborted') throw error;
      stopReason = reason;
      stopError = error as Error;
      break;
    }
  }

  let score: number | undefined;
  if (stopError === undefined) {
    try {
      ctx.progress('evaluate', 'evaluating the final answer');
      ctx.checkpoint();
      const evaluation = await evaluateAnswer(env, input.task, answer);
      score = evaluation.score;
      steps.push({ kind: 'evaluate', output: `Score ${evaluation.score.toFixed(2)}. ${evaluation.feedback}`, score, feedback: evaluation.feedback });
    } catch (error) {
      const reason = endReason(error);
      if (reason === 'aborted') throw error;
      stopReason = reason === 'error' ? 'evaluation-failed' : reason;
      stopError = error as Error;
    }
  }

  const verdict = await judgeTrajectory(env, { task: input.task, steps, finalAnswer: answer });
  let extraction: Extraction | undefined;
  let extractionError: Error | undefined;
  if (input.learn && verdict.outcome !== 'unknown') {
    try {
      extraction = await extractMemories(env, { task: input.task, steps, finalAnswer: answer, outcome: verdict.outcome, judgeReasoning: verdict.reasoning });
    } catch (error) {
      if (AgentError.isInstance(error) && error.code === 'ABORTED') throw error;
      extractionError = error as Error;
    }
  }
  const attempt: AttemptSummary = {
    attempt: 0,
    temperature: settings.generationTemperature,
    answer,
    ...(score === undefined ? {} : { score }),
    outcome: verdict.outcome,
    ...(stopError ? { error: stopError } : {}),
  };
  return {
    answer,
    score,
    bestAttempt: 0,
    attempts: [attempt],
    steps,
    verdict,
    extraction,
    ...(extractionError === undefined ? {} : { extractionError }),
    iterations: 1 + reflections.length,
    stopReason,
    ...(stopError === undefined ? {} : { stopError }),
  };
}
