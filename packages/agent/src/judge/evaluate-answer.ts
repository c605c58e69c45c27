import { z } from 'zod';
import type { StepEnv } from '../loop/step-env.js';
import { fitPrompt } from '../loop/step-env.js';
import { EVALUATE_FORMAT, EVALUATE_INSTRUCTIONS } from '../prompts/review-prompts.js';
import { taskSection } from '../prompts/solve-prompts.js';
import { generateObject } from '../structured/generate-object.js';

/** The loop's self-evaluation of one answer: issues first, so the score follows from them. */
export const EvaluationSchema = z.strictObject({
  issues: z.array(z.string().max(2000)).max(20),
  feedback: z.string().max(20_000),
  score: z.number().min(0).max(1),
});
export type Evaluation = z.infer<typeof EvaluationSchema>;

/** Scores `answer` against `task` (0-1) with feedback and issues, at the evaluation temperature. */
export async function evaluateAnswer(env: StepEnv, task: string, answer: string): Promise<Evaluation> {
  const prompt = fitPrompt(env, {
    instructions: EVALUATE_INSTRUCTIONS,
    sections: [
      { name: 'task', text: taskSection(task), pinned: true },
      { name: 'answer', text: `## Answer to review\n${answer}`, priority: 1 },
      { name: 'format', text: EVALUATE_FORMAT, pinned: true },
    ],
  });
  const { value } = await generateObject(env.model, {
    name: 'evaluation',
    schema: EvaluationSchema,
    ...prompt,
    temperature: env.settings.evaluationTemperature,
    maxOutputTokens: env.settings.maxOutputTokens,
  });
  return value;
}
