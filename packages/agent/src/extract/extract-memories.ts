import type { Outcome, TrajectoryStep } from '@rb/memory';
import { renderTrajectory } from '../judge/render-trajectory.js';
import type { StepEnv } from '../loop/step-env.js';
import { fitPrompt } from '../loop/step-env.js';
import { EXTRACTION_FORMAT, FAILURE_EXTRACTION_INSTRUCTIONS, SUCCESS_EXTRACTION_INSTRUCTIONS } from '../prompts/extract-prompts.js';
import { taskSection } from '../prompts/solve-prompts.js';
import { generateObject } from '../structured/generate-object.js';
import { FailureExtractionSchema, SuccessExtractionSchema, type ExtractedMemory } from './memory-item-schemas.js';
import { literalIssues, quotedLiterals, taskLiterals } from './task-literals.js';

export interface ExtractionInput {
  task: string;
  steps: readonly TrajectoryStep[];
  finalAnswer?: string;
  outcome: Outcome;
  /** The judge's (or the caller's) reasons, appended to the trajectory as the paper does. */
  judgeReasoning?: string;
}

export interface Extraction {
  /** Why the run succeeded or failed, as the model reasoned first. */
  reasoning: string;
  items: ExtractedMemory[];
  /** Items left out because they kept quoting the task after the repair. */
  dropped: ExtractedMemory[];
}

/**
 * Distils at most 3 memory items from a trajectory: the success prompt for a success, the failure prompt (items with
 * `errorContext`) for a failure or a partial result. An item quoting the task's literal strings is sent back once for
 * a general rewording and dropped if it still does.
 */
export async function extractMemories(env: StepEnv, input: ExtractionInput): Promise<Extraction> {
  env.ctx.progress('extract', `extracting memories from a ${input.outcome}`);
  env.ctx.checkpoint();
  const success = input.outcome === 'success';
  const literals = taskLiterals(input.task);
  const verdict = input.judgeReasoning?.trim() ? `## Reviewer's verdict: ${input.outcome}\n${input.judgeReasoning.trim()}` : `## Reviewer's verdict: ${input.outcome}`;
  const prompt = fitPrompt(env, {
    instructions: success ? SUCCESS_EXTRACTION_INSTRUCTIONS : FAILURE_EXTRACTION_INSTRUCTIONS,
    sections: [
      { name: 'task', text: taskSection(input.task), pinned: true },
      { name: 'trajectory', text: `## Trajectory\n${renderTrajectory(input.steps)}`, priority: 0 },
      { name: 'final answer', text: input.finalAnswer === undefined ? '' : `## Final answer\n${input.finalAnswer}`, priority: 1 },
      { name: 'verdict', text: verdict, priority: 2 },
      { name: 'format', text: EXTRACTION_FORMAT, pinned: true },
    ],
  });
  const request = {
    ...prompt,
    temperature: env.settings.evaluationTemperature,
    maxOutputTokens: env.settings.maxOutputTokens,
    check: (value: { items: ExtractedMemory[] }) => literalIssues(value.items, literals),
  };
  const { value } = success
    ? await generateObject(env.judgeModel, { name: 'memory_items', schema: SuccessExtractionSchema, ...request })
    : await generateObject(env.judgeModel, { name: 'memory_items', schema: FailureExtractionSchema, ...request });
  const items: ExtractedMemory[] = [];
  const dropped: ExtractedMemory[] = [];
  for (const item of value.items) (quotedLiterals(item, literals).length > 0 ? dropped : items).push(item);
  return { reasoning: value.reasoning, items, dropped };
}
