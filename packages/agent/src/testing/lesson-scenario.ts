import type { MemoryStore } from '@rb/memory';
import { ResponsesAPIClient } from '../llm/responses-api-client.js';
import type { LearnedMemory, SolveResult } from '../loop/agent-results.js';
import { IterativeReasoningAgent } from '../loop/iterative-reasoning-agent.js';
import { agentStep } from './agent-steps.js';
import { startTestLlmServer } from './test-llm-server.js';

/** What {@link runLessonScenario} observed. */
export interface LessonScenarioResult {
  /** The failed run: judged `failure`, one failure lesson stored. */
  first: SolveResult;
  /** The lesson the first run stored. */
  lesson: LearnedMemory | undefined;
  /** The run on a similar task, which should have retrieved the lesson. */
  second: SolveResult;
  /** The prompt of the second run's first answer, as the model received it. */
  secondPrompt: string;
}

/** The lesson the scenario's failed run teaches. */
export const SCENARIO_LESSON = {
  title: 'Guard against an empty list before averaging',
  description: 'Use when averaging or dividing over a list of numbers that may be empty.',
  content:
    'Check whether the list is empty before dividing by its length, and return a documented value such as None or raise a clear error, instead of letting a division by zero escape.',
  errorContext: {
    errorType: 'unhandled edge case',
    failurePattern: 'divided by the length of a list of numbers without checking that the list could be empty',
    correctiveGuidance: 'test for an empty list first and return a documented value or raise a clear error',
  },
} as const;

/**
 * An end-to-end check of learning from failure, for any `MemoryStore` (in memory, Chroma with the real model...):
 * a first task fails (the judge says so), a failure lesson is extracted and stored; a second, similar task then
 * retrieves that lesson and finds it in its prompt. The model is a test LLM server scripted for both runs; the store
 * is yours and real. Assert on the result, e.g. `second.memoriesUsed[0].memory.id === lesson.id`.
 */
export async function runLessonScenario(options: { store: MemoryStore; workspaceId?: string }): Promise<LessonScenarioResult> {
  const workspaceId = options.workspaceId ?? `lesson-scenario-${Date.now()}`;
  const server = await startTestLlmServer();
  const model = new ResponsesAPIClient({ baseUrl: server.url, model: 'scenario-model', env: {} });
  const agent = new IterativeReasoningAgent({ model, store: options.store, maxIterations: 1 });
  try {
    server
      .when(agentStep('answer'), { text: '```python\ndef average(xs):\n    return sum(xs) / len(xs)\n```' }, { times: 1 })
      .when(agentStep('evaluation'), { json: { issues: ['raises ZeroDivisionError on an empty list'], feedback: 'Handle the empty list.', score: 0.4 } }, { times: 1 })
      .when(agentStep('verdict'), { json: { reasoning: 'The function crashes on an empty list, a case the task implies.', status: 'failure' } }, { times: 1 })
      .when(agentStep('memoryItems'), { json: { reasoning: 'It never considered an empty list.', items: [SCENARIO_LESSON] } }, { times: 1 });
    const first = await agent.solve({ task: 'Write a Python function that returns the average of a list of numbers.', workspaceId });

    server
      .when(agentStep('answer'), { text: '```python\ndef mean(xs):\n    return None if not xs else sum(xs) / len(xs)\n```' }, { times: 1 })
      .when(agentStep('evaluation'), { json: { issues: [], feedback: 'Correct, including the empty list.', score: 0.95 } }, { times: 1 })
      .when(agentStep('verdict'), { json: { reasoning: 'Correct and handles the empty list.', status: 'success' } }, { times: 1 })
      .when(agentStep('memoryItems'), { json: { reasoning: 'The earlier lesson was applied.', items: [] } }, { times: 1 });
    const before = server.requests.length;
    const second = await agent.solve({ task: 'Write a Python function that computes the average of a list of numbers read from a file.', workspaceId });
    const secondPrompt = server.requests.slice(before).find(agentStep('answer'))?.text ?? '';
    return { first, lesson: first.learned[0], second, secondPrompt };
  } finally {
    agent.close();
    await model.close();
    await server.close();
  }
}
