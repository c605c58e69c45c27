// A ReasoningBank that learns from a failure and uses the lesson on the next, similar task. The model is the test LLM
// server of @rb/agent/testing (a real HTTP server speaking OpenAI's Responses API), so this runs offline; point
// ResponsesAPIClient at OpenAI, OpenRouter or a local server (or set OPENAI_API_KEY) for real answers.
// Run: node examples/basic.mjs (after npm i @rb/agent @opentelemetry/api)
import { createReasoningBank, ResponsesAPIClient } from '@rb/agent';
import { agentStep, startTestLlmServer } from '@rb/agent/testing';
import { InMemoryMemoryStore } from '@rb/memory';
import { createTestEmbedder } from '@rb/memory/testing';

const server = await startTestLlmServer();
// The scripted model: the first task fails (the judge says so), the second succeeds.
server
  .when(agentStep('answer'), 'def average(xs):\n    return sum(xs) / len(xs)', { times: 1 })
  .when(agentStep('evaluation'), { json: { issues: ['crashes on []'], feedback: 'Handle an empty list.', score: 0.4 } }, { times: 1 })
  .when(agentStep('verdict'), { json: { reasoning: 'Crashes on an empty list.', status: 'failure' } }, { times: 1 })
  .when(agentStep('memoryItems'), {
    json: {
      reasoning: 'The empty list was never considered.',
      items: [{
        title: 'Guard against an empty list before averaging',
        description: 'Use when averaging or dividing over a list of numbers that may be empty.',
        content: 'Check whether the list is empty before dividing by its length, and return a documented value such as None.',
        errorContext: { errorType: 'unhandled edge case', failurePattern: 'divided by the length of a possibly empty list', correctiveGuidance: 'check for an empty list first' },
      }],
    },
  }, { times: 1 })
  .when((r) => r.schemaName === 'memory_items' && r.text.includes('LRU cache'), {
    json: {
      reasoning: 'Caching the slow loader worked.',
      items: [{
        title: 'Cache the results of a slow, pure loader',
        description: 'Use when the same expensive load is repeated with the same arguments.',
        content: 'Put a bounded LRU cache in front of the loader and invalidate entries when their source changes.',
      }],
    },
  })
  .setDefault((request) =>
    request.schemaName === 'evaluation' ? { json: { issues: [], feedback: 'Correct.', score: 0.95 } }
      : request.schemaName === 'verdict' ? { json: { reasoning: 'Correct, empty list handled.', status: 'success' } }
        : request.schemaName === 'memory_items' ? { json: { reasoning: 'Applied the lesson.', items: [] } }
          : 'def mean(xs):\n    return None if not xs else sum(xs) / len(xs)');

// A real store; the toy embedder keeps the example small (use @rb/embed-batch's MiniLM for real retrieval).
const store = new InMemoryMemoryStore({ embedder: createTestEmbedder() });
const model = new ResponsesAPIClient({ baseUrl: server.url, apiKey: 'sk-example', model: 'test-model' });
const bank = createReasoningBank({ store, model, workspaceId: 'example' });

try {
  const first = await bank.solve({
    task: 'Write a Python function that returns the average of a list of numbers.',
    budget: { iterations: 1 },
    onProgress: (p) => console.log(`  [${p.done}/${p.total}] ${p.message}`),
  });
  console.log('first run:', first.outcome, '-', first.learned.map((m) => m.title));

  const second = await bank.solve('Write a Python function that computes the average of a list of numbers read from a file.');
  console.log('second run used:', second.memoriesUsed.map((r) => `${r.memory.title} (${r.memory.outcome}, score ${r.score.toFixed(2)})`));
  console.log('second run:', second.outcome, 'answer:', JSON.stringify(second.answer));
  console.log('tokens:', second.usage, 'calls:', second.calls);

  // A trajectory from another agent (what an MCP client hands in), with the outcome it already knows.
  const learned = await bank.learn({ task: 'Add a cache to the loader.', trajectory: 'Added an LRU cache; all tests pass.', outcome: 'success' });
  console.log('learn():', learned.outcome, learned.learned.length, 'memories,', learned.skipped.length, 'skipped');
} finally {
  await bank.close();
  await model.close();
  await store.close();
  await server.close();
}
