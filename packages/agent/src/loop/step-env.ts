import type { GenerateRequest, LanguageModel } from '../llm/language-model.js';
import type { AgentSettings } from './agent-options.js';
import type { PromptFitter, PromptParts } from './prompt-fitter.js';
import type { RunContext } from './run-context.js';

/** What every step of one run works with: the run's context, its budget-keeping models, the prompt fitter. */
export interface StepEnv {
  ctx: RunContext;
  /** The generation model, wrapped by `ctx`. */
  model: LanguageModel;
  /** The judge / extraction model, wrapped by `ctx`. */
  judgeModel: LanguageModel;
  fitter: PromptFitter;
  settings: AgentSettings;
}

/** Fits a prompt and counts its tokens in the run's statistics. */
export function fitPrompt(env: StepEnv, parts: PromptParts): Pick<GenerateRequest, 'instructions' | 'messages'> {
  const { request, report } = env.fitter.fit(parts);
  env.ctx.notePrompt(report);
  return request;
}
