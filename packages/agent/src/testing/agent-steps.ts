import type { RecordedLlmRequest } from './test-llm-server.js';

/**
 * The steps of `@rb/agent` as the test server sees them: an answer (think, refine, MaTTS attempt) is plain text; the
 * other steps ask for JSON under these schema names.
 */
export const AGENT_SCHEMAS = {
  evaluation: 'evaluation',
  verdict: 'verdict',
  memoryItems: 'memory_items',
  contrast: 'contrast',
  reflection: 'reflection',
} as const;

export type AgentStep = 'answer' | keyof typeof AGENT_SCHEMAS;

/**
 * A matcher for `server.when(...)` that picks the requests of one agent step, e.g.
 * `server.when(agentStep('evaluation'), { json: { issues: [], feedback: 'fine', score: 0.9 } })`.
 */
export function agentStep(step: AgentStep): (request: RecordedLlmRequest) => boolean {
  if (step === 'answer') return (request) => request.schemaName === undefined;
  const name = AGENT_SCHEMAS[step];
  return (request) => request.schemaName === name;
}
