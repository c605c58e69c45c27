// A memory bank in this process: store what a task taught, then retrieve the right lesson for a new task.
// The embedder here is a TOY (createTestEmbedder: word overlap, not meaning) so the example runs anywhere without a
// model. For real use pass `await createEmbedder()` from @rb/embed-batch (all-MiniLM-L6-v2, offline).
import { InMemoryMemoryStore, MemoryError } from '@rb/memory';
import { createTestEmbedder } from '@rb/memory/testing';

const store = new InMemoryMemoryStore({ embedder: createTestEmbedder() });
const workspaceId = 'my-project';

await store.addTrace({
  workspaceId,
  trace: {
    task: 'Make the token-expiry test stop failing on slow CI machines',
    outcome: 'failure',
    domain: 'testing',
    memories: [
      {
        title: 'Inject the clock in time-dependent tests',
        description: 'Use when a test is flaky because it waits for real time to pass.',
        content: 'Pass a now() function or use fake timers instead of sleeping; the test becomes deterministic and fast.',
        errorContext: {
          errorType: 'FlakyTest',
          failurePattern: 'The test slept for a fixed time and failed on a slow machine.',
          correctiveGuidance: 'Control time through an injected clock.',
        },
      },
      {
        title: 'Order SQL results explicitly',
        description: 'Use when code relies on the order of rows a database query returns.',
        content: 'Add ORDER BY on a unique key; without it pages may repeat or skip rows.',
      },
    ],
  },
});

const [best] = await store.retrieve({ workspaceId, query: 'My session test sleeps 60 seconds waiting for the timeout and is flaky' });
console.log('best lesson:', best.memory.title);
console.log('why:', best.components);

const unrelated = await store.retrieve({ workspaceId, query: 'Plan a hiking trip in the Alps' });
console.log('unrelated task gets', unrelated.length, 'memories');

try {
  await store.retrieve({ workspaceId: 'bad\u0000id', query: 'x' });
} catch (error) {
  if (MemoryError.isInstance(error)) console.log('refused:', error.code, error.field);
}

console.log(await store.getStatistics({ workspaceId }));
await store.close();
