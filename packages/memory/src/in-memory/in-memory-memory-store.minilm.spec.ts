import { resolve } from 'node:path';
import { createEmbedder, type Embedder } from '@rb/embed-batch';
import type { MemoryEmbedder } from '../memory-embedder.js';
import { describeMemoryStore } from '../testing/index.js';
import { InMemoryMemoryStore } from './in-memory-memory-store.js';

// The conformance suite again with the real all-MiniLM-L6-v2 (fetched by `npm ci`), where ranking, the calibrated
// thresholds and the late-interaction stage meet real similarities.
let loading: Promise<Embedder> | undefined;
const load = () => (loading ??= createEmbedder({ modelDir: process.env['RB_MODEL_DIR'] ?? resolve(__dirname, '../../../../.models') }));
const miniLM: MemoryEmbedder = {
  model: 'onnx-community/all-MiniLM-L6-v2-ONNX',
  dimension: 384,
  generateBatch: async (texts) => (await load()).generateBatch(texts),
  generateTokenVectors: async (texts) => (await load()).generateTokenVectors(texts),
};

afterAll(async () => {
  if (loading) await (await loading).dispose();
});

describeMemoryStore('InMemoryMemoryStore with MiniLM', ({ embedder, now }) => new InMemoryMemoryStore({ embedder, now }), {
  embedder: miniLM,
  timeoutMs: 60_000,
});

// The concurrency lessons of the dev set (eval/memories.jsonl) and a task of it: two jobs deadlock on two rows. The
// pooled vectors rank optimistic locking ("lost updates ... the same rows") first; token by token, "block each other
// forever" meets the deadlock lesson's own words.
const LESSONS = [
  {
    "title": "Make check-then-act atomic",
    "description": "Use when two concurrent requests both pass a uniqueness or balance check and both write.",
    "content": "Checking a condition and acting on it in separate steps leaves a window for another writer. Use a unique constraint, an atomic conditional update, or a lock around both steps.",
    "errorContext": {
      "errorType": "RaceCondition",
      "failurePattern": "Two signups with the same username both passed the exists check.",
      "correctiveGuidance": "Let the database enforce uniqueness or do check and write atomically."
    }
  },
  {
    "title": "Acquire locks in a consistent order",
    "description": "Use when two threads or transactions occasionally freeze waiting on each other.",
    "content": "A deadlock needs two parties taking the same locks in opposite orders. Always acquire locks in one global order, for example by ascending id, and use timeouts.",
    "errorContext": {
      "errorType": "Deadlock",
      "failurePattern": "Transfers between two accounts in opposite directions locked each other.",
      "correctiveGuidance": "Lock resources in a fixed order such as by id."
    }
  },
  {
    "title": "Bound concurrency with a worker pool",
    "description": "Use when firing all tasks at once exhausts connections, file handles or rate limits.",
    "content": "Process work through a pool or semaphore with a fixed size, and queue the rest; throughput stays high without overwhelming the downstream system."
  },
  {
    "title": "Prevent lost updates with optimistic locking",
    "description": "Use when concurrent edits of the same record silently overwrite each other.",
    "content": "Read-modify-write without a check lets the last writer win. Store a version number and update only where the version is unchanged, retrying on conflict.",
    "errorContext": {
      "errorType": "LostUpdate",
      "failurePattern": "Two editors saved the same document and the first one's changes vanished.",
      "correctiveGuidance": "Use a version column and conditional updates."
    }
  },
  {
    "title": "Collapse concurrent cache misses into one load",
    "description": "Use when an expired cache entry makes hundreds of requests hit the database at the same moment.",
    "content": "Let the first miss load the value and make the other callers wait for that same promise (single flight), and add jitter to expiry times."
  },
  {
    "title": "Propagate cancellation to child tasks",
    "description": "Use when work keeps running and spending resources after the caller has given up.",
    "content": "Pass a cancellation token or AbortSignal down to every child operation and stop when it fires, so a timed-out request does not keep its subtasks alive."
  },
  {
    "title": "Guard shared state across await points",
    "description": "Use when single-threaded async code still corrupts a shared counter or map.",
    "content": "Between an await and the next line other tasks run, so a read-modify-write spanning an await is a race. Do the update synchronously or serialise it with an async mutex.",
    "errorContext": {
      "errorType": "RaceCondition",
      "failurePattern": "A counter read before an await and written after it lost increments under load.",
      "correctiveGuidance": "Keep read-modify-write free of awaits or guard it with a mutex."
    }
  },
  {
    "title": "Bound queues so producers slow down",
    "description": "Use when an in-memory queue between a fast producer and a slow consumer grows until the process runs out of memory.",
    "content": "Give the queue a maximum size and make producers wait or drop work when it is full; an unbounded queue only hides the overload until it crashes."
  }
];
const TASK = 'Two background jobs sometimes block each other forever when they update the same two rows.';

describe('late interaction with MiniLM', () => {
  it('finds the lesson the task describes where the pooled vectors pick a neighbour', async () => {
    const stores = [new InMemoryMemoryStore({ embedder: miniLM }), new InMemoryMemoryStore({ embedder: miniLM, retrieval: { lateInteraction: false } })];
    try {
      const [late, pooled] = await Promise.all(
        stores.map(async (store) => {
          await store.addTrace({ workspaceId: 'w', trace: { task: 'Concurrency lessons', outcome: 'success', memories: LESSONS } });
          return (await store.retrieve({ workspaceId: 'w', query: TASK }))[0];
        }),
      );
      expect(pooled?.memory.title).toBe('Prevent lost updates with optimistic locking');
      expect(late?.memory.title).toBe('Acquire locks in a consistent order');
      expect(late?.components.late).toBeGreaterThan(0.41);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  }, 60_000);
});
