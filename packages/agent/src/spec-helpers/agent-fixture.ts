// Shared by the agent's specs: a test LLM server, a client on it, and short ways to script the agent's steps.
import { ResponsesAPIClient } from '../llm/responses-api-client.js';
import { agentStep, startTestLlmServer, type Reply, type TestLlmServer } from '../testing/index.js';

export interface Fixture {
  server: TestLlmServer;
  model: ResponsesAPIClient;
  close(): Promise<void>;
}

export async function startFixture(options: { latencyMs?: number; maxConcurrency?: number } = {}): Promise<Fixture> {
  const server = await startTestLlmServer({ ...(options.latencyMs === undefined ? {} : { latencyMs: options.latencyMs }) });
  const model = new ResponsesAPIClient({
    baseUrl: server.url,
    apiKey: 'sk-fixture-key-0123456789',
    model: 'test-model',
    env: {},
    maxConcurrency: options.maxConcurrency ?? 16,
    retry: { baseDelayMs: 0, maxDelayMs: 0 },
  });
  return {
    server,
    model,
    close: async () => {
      await model.close();
      await server.close();
    },
  };
}

export const evaluation = (score: number, feedback = `feedback for ${score}`, issues: string[] = []) => ({
  json: { issues, feedback, score },
});
export const verdict = (status: 'success' | 'failure', reasoning = `the answer is a ${status}`) => ({ json: { reasoning, status } });
export const items = (reasoning: string, list: unknown[]) => ({ json: { reasoning, items: list } });

/** Scripts the replies of each step in order: answers, evaluations, verdicts, memory items, contrasts, reflections. */
export function script(
  server: TestLlmServer,
  replies: Partial<Record<'answer' | 'evaluation' | 'verdict' | 'memoryItems' | 'contrast' | 'reflection', Reply[]>>,
): void {
  for (const [step, list] of Object.entries(replies)) {
    for (const reply of list ?? []) server.when(agentStep(step as 'answer'), reply, { times: 1 });
  }
}

/** The requests of one step, in order. */
export function requestsOf(server: TestLlmServer, step: Parameters<typeof agentStep>[0]) {
  return server.requests.filter(agentStep(step));
}

/** Waits (on the event loop, not a clock) until `condition` holds. */
export async function until(condition: () => boolean, what = 'the condition'): Promise<void> {
  for (let i = 0; i < 2000 && !condition(); i++) await new Promise((r) => setTimeout(r, i < 100 ? 0 : 5));
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
}
