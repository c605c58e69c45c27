import type { MemoryItem, TrajectoryStep } from '@rb/memory';
import { AgentError } from '../errors.js';
import { evaluateAnswer, type Evaluation } from '../judge/evaluate-answer.js';
import {
  ANSWER_FORMAT,
  REFINE_NOTE,
  SOLVE_INSTRUCTIONS,
  feedbackSection,
  memoriesSection,
  olderAttemptsSection,
  previousAnswerSection,
  taskSection,
} from '../prompts/solve-prompts.js';
import { fitPrompt, type StepEnv } from './step-env.js';

/**
 * Why a loop ended: `threshold` (the self-evaluation reached `successThreshold`), `max-iterations`, `stagnation`
 * (the score did not improve), `repeat` (an answer repeated an earlier one, once normalised), `budget-tokens`,
 * `budget-time`, `evaluation-failed` (the self-evaluation could not be read; the answer is kept), `error` (a later
 * step failed; the best earlier answer is kept).
 */
export type StopReason =
  | 'threshold'
  | 'max-iterations'
  | 'stagnation'
  | 'repeat'
  | 'budget-tokens'
  | 'budget-time'
  | 'evaluation-failed'
  | 'error';

export interface LoopInput {
  task: string;
  memories: readonly Pick<MemoryItem, 'title' | 'description' | 'content' | 'errorContext'>[];
  maxIterations: number;
  temperature: number;
  /** The MaTTS attempt this loop is, for the trajectory and progress. */
  attempt?: number;
}

export interface LoopResult {
  /** The best answer: the highest self-evaluation score, the latest among equals. */
  answer: string;
  /** Its score, when it could be evaluated. */
  score: number | undefined;
  iterations: number;
  steps: TrajectoryStep[];
  stopReason: StopReason;
  /** What ended the loop early, for `evaluation-failed`, `error` and the budgets. */
  error?: Error;
}

/**
 * Think -> evaluate -> refine, until the score reaches the threshold, stops improving, an answer repeats, a budget
 * runs out or `maxIterations` is reached. Refinement sees the previous answer and its feedback (older attempts are
 * the first thing cut when the prompt is too long). Abort propagates as `ABORTED`; with no answer at all, the error
 * that prevented one propagates.
 */
export async function runReasoningLoop(env: StepEnv, input: LoopInput): Promise<LoopResult> {
  const { ctx, settings } = env;
  const steps: TrajectoryStep[] = [];
  const seen = new Set<string>();
  const history: { answer: string; evaluation: Evaluation | undefined }[] = [];
  let best: { answer: string; score: number | undefined } | undefined;
  const tag = input.attempt === undefined ? {} : { attempt: input.attempt };
  const stop = (stopReason: StopReason, iterations: number, error?: Error): LoopResult => ({
    answer: best!.answer,
    score: best!.score,
    iterations,
    steps,
    stopReason,
    ...(error === undefined ? {} : { error }),
  });

  for (let iteration = 1; ; iteration++) {
    const refining = history.length > 0;
    let answer: string;
    try {
      ctx.progress(refining ? 'refine' : 'think', refining ? `refining (iteration ${iteration})` : 'thinking', { iteration, ...tag });
      ctx.checkpoint();
      answer = await generateAnswer(env, input, history);
    } catch (error) {
      const reason = endReason(error);
      if (best === undefined || reason === 'aborted') throw error;
      return stop(reason, iteration - 1, error as Error);
    }
    steps.push({ kind: refining ? 'refine' : 'think', output: answer, ...tag });

    const normalised = normalise(answer);
    if (seen.has(normalised)) return stop('repeat', iteration);
    seen.add(normalised);

    let evaluation: Evaluation;
    try {
      ctx.progress('evaluate', `evaluating iteration ${iteration}`, { iteration, ...tag });
      ctx.checkpoint();
      evaluation = await evaluateAnswer(env, input.task, answer);
    } catch (error) {
      const reason = endReason(error);
      if (reason === 'aborted') throw error;
      best ??= { answer, score: undefined };
      return stop(reason === 'error' ? 'evaluation-failed' : reason, iteration, error as Error);
    }
    steps.push({ kind: 'evaluate', output: describe(evaluation), score: evaluation.score, feedback: evaluation.feedback, ...tag });

    const previous = history.at(-1)?.evaluation?.score;
    if (best === undefined || best.score === undefined || evaluation.score >= best.score) best = { answer, score: evaluation.score };
    history.push({ answer, evaluation });
    if (evaluation.score >= settings.successThreshold) return stop('threshold', iteration);
    if (previous !== undefined && evaluation.score <= previous) return stop('stagnation', iteration);
    if (iteration >= input.maxIterations) return stop('max-iterations', iteration);
  }
}

/** One answer: a first attempt, or with `history` a refinement of the last answer using its feedback. */
export async function generateAnswer(
  env: StepEnv,
  input: Pick<LoopInput, 'task' | 'memories' | 'temperature'>,
  history: readonly { answer: string; evaluation: Evaluation | undefined }[],
): Promise<string> {
  const last = history.at(-1);
  const older = history.slice(0, -1).map((h) => ({ answer: h.answer, score: h.evaluation?.score }));
  const prompt = fitPrompt(env, {
    instructions: SOLVE_INSTRUCTIONS,
    sections: [
      { name: 'memories', text: memoriesSection(input.memories), priority: 1 },
      { name: 'task', text: taskSection(input.task), pinned: true },
      { name: 'older attempts', text: olderAttemptsSection(older), priority: 0 },
      { name: 'previous answer', text: last ? previousAnswerSection(last.answer, last.evaluation?.score) : '', priority: 2 },
      {
        name: 'feedback',
        text: last?.evaluation ? feedbackSection(last.evaluation.feedback, last.evaluation.issues) : '',
        priority: 3,
      },
      { name: 'format', text: last ? `${REFINE_NOTE}\n\n${ANSWER_FORMAT}` : ANSWER_FORMAT, pinned: true },
    ],
  });
  const result = await env.model.generate({
    ...prompt,
    temperature: input.temperature,
    maxOutputTokens: env.settings.maxOutputTokens,
  });
  return result.text;
}

/** How an error ends a loop: the caller's abort, a budget, or any other failure. */
export function endReason(error: unknown): 'aborted' | 'budget-tokens' | 'budget-time' | 'error' {
  if (!AgentError.isInstance(error)) return 'error';
  if (error.code === 'ABORTED') return 'aborted';
  if (error.code === 'BUDGET_EXCEEDED') return error.field === 'timeBudgetMs' ? 'budget-time' : 'budget-tokens';
  return 'error';
}

/** An answer reduced to what matters for "the same answer again": case, spacing, punctuation and fences ignored. */
export function normalise(answer: string): string {
  return answer
    .toLowerCase()
    .replace(/```[\w-]*/g, ' ')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

function describe(evaluation: Evaluation): string {
  const issues = evaluation.issues.length > 0 ? `\nIssues:\n${evaluation.issues.map((i) => `- ${i}`).join('\n')}` : '';
  return `Score ${evaluation.score.toFixed(2)}. ${evaluation.feedback}${issues}`;
}
