// @rb/agent benchmark: npx nx bench @rb/agent (builds first). Three tables, each measured side by side in one run:
// 1. MaTTS parallel wall time (k = 3, 5) against one plain run, every model call taking a fixed 200 ms on the test LLM
//    server (medians of interleaved rounds); goal <= 1.2x. Sequential MaTTS and k plain runs in a row for reference.
// 2. Prompt tokens sent with and without compression (truncationThreshold 12000) on long tasks.
// 3. What the temperature-0 response cache saves when the same trajectory is judged and distilled twice.
import { performance } from 'node:perf_hooks';
import { IterativeReasoningAgent, ResponsesAPIClient } from '@rb/agent';
import { startTestLlmServer } from '@rb/agent/testing';
import { InMemoryMemoryStore } from '@rb/memory';
import { createTestEmbedder } from '@rb/memory/testing';

const LATENCY_MS = 200;
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const item = (i) => ({
  title: `Check the edge cases first, rule ${i}`,
  description: 'Use when a function receives collections that may be empty or very large.',
  content: 'List the edge cases before writing code, then handle each one explicitly and test it.',
});

/** A test LLM server answering every agent step at once (plus the fixed latency): scores pass the threshold. */
async function scriptedServer(latencyMs) {
  const server = await startTestLlmServer({ latencyMs });
  server.setDefault((r) => {
    switch (r.schemaName) {
      case 'evaluation':
        return { json: { issues: [], feedback: 'Good.', score: 0.9 } };
      case 'verdict':
        return { json: { reasoning: 'Complete and correct.', status: 'success' } };
      case 'memory_items':
        return { json: { reasoning: 'It worked because it checked edge cases.', items: [item(r.index)] } };
      case 'contrast':
        return { json: { reasoning: 'Attempt 1 checked its edge cases.', bestAttempt: 1, items: [{ ...item(r.index), errorContext: null }] } };
      case 'reflection':
        return { json: { reflection: 'Checked again; it holds.', answer: 'def f(xs): return sorted(xs)' } };
      default:
        return `def f(xs): return sorted(xs)  # attempt ${r.index}`;
    }
  });
  return server;
}

async function mattsWallTime() {
  const server = await scriptedServer(LATENCY_MS);
  const model = new ResponsesAPIClient({ baseUrl: server.url, apiKey: 'sk-bench', model: 'bench-model', env: {}, maxConcurrency: 8, responseCache: false });
  const store = new InMemoryMemoryStore({ embedder: createTestEmbedder() });
  const agent = new IterativeReasoningAgent({ model, store });
  let ws = 0;
  const solve = (matts) => agent.solve({ task: 'Write a function that sorts a list of numbers.', workspaceId: `w${ws++}`, ...(matts ? { matts } : {}) });
  const contenders = {
    single: () => solve(undefined),
    'parallel k=3': () => solve({ mode: 'parallel', k: 3 }),
    'parallel k=5': () => solve({ mode: 'parallel', k: 5 }),
    'sequential k=3': () => solve({ mode: 'sequential', k: 3 }),
    '3 single runs in a row': async () => {
      for (let i = 0; i < 3; i++) await solve(undefined);
    },
  };
  const times = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
  const calls = {};
  await solve(undefined); // warm-up: tokenizer, connections
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of Object.entries(contenders)) {
      const before = server.requests.length;
      const started = performance.now();
      await run();
      times[name].push(performance.now() - started);
      calls[name] = server.requests.length - before;
    }
  }
  agent.close();
  await model.close();
  await store.close();
  await server.close();
  const base = median(times.single);
  console.log(`\n## MaTTS wall time, ${LATENCY_MS} ms per model call (median of ${ROUNDS} interleaved rounds)\n`);
  console.log('| run | model calls | wall time | vs single run |');
  console.log('|---|---|---|---|');
  for (const name of Object.keys(contenders)) {
    const t = median(times[name]);
    console.log(`| ${name} | ${calls[name]} | ${t.toFixed(0)} ms | ${(t / base).toFixed(2)}x |`);
  }
}

async function compression() {
  const server = await startTestLlmServer();
  const long = (what, n) => `${what}\n` + Array.from({ length: n }, (_, i) => `Line ${i}: this part of the ${what} explains another detail, with a value of ${i * 7}.`).join('\n');
  let answers = 0;
  server.setDefault((r) => {
    if (r.schemaName === 'evaluation') return { json: { issues: ['misses a case'], feedback: 'Handle the missing case.', score: 0.3 + 0.1 * answers } };
    if (r.schemaName === 'verdict') return { json: { reasoning: 'ok', status: 'success' } };
    answers++;
    return long(`answer ${answers}`, 600);
  });
  const model = new ResponsesAPIClient({ baseUrl: server.url, apiKey: 'sk-bench', model: 'gpt-4o', env: {} });
  const task = long('task description', 250);
  const rows = [];
  for (const [label, options] of [
    ['without compression', { maxPromptTokens: 1_000_000, truncationThreshold: 1_000_000 }],
    ['with compression (threshold 12000)', {}],
    ['with compression (threshold 6000)', { truncationThreshold: 6000 }],
  ]) {
    answers = 0;
    const before = server.requests.length;
    const agent = new IterativeReasoningAgent({ model, maxIterations: 3, ...options });
    const result = await agent.solve({ task });
    agent.close();
    const requests = server.requests.slice(before);
    const intact = requests.every((r) => r.text.includes('Line 249: this part of the task description'));
    rows.push([label, result.promptTokens.original, result.promptTokens.sent, requests.length, intact]);
  }
  await model.close();
  await server.close();
  console.log('\n## Prompt tokens of one 3-iteration run on a long task (~5k-token task, ~12k-token answers; tiktoken o200k)\n');
  console.log('| prompts | tokens before fitting | tokens sent | reduction | model calls | task intact in every prompt |');
  console.log('|---|---|---|---|---|---|');
  for (const [label, original, sent, calls, intact] of rows) {
    console.log(`| ${label} | ${original} | ${sent} | ${((1 - sent / original) * 100).toFixed(0)}% | ${calls} | ${intact ? 'yes' : 'NO'} |`);
  }
}

async function responseCache() {
  const server = await scriptedServer(LATENCY_MS);
  const model = new ResponsesAPIClient({ baseUrl: server.url, apiKey: 'sk-bench', model: 'bench-model', env: {} });
  const store = new InMemoryMemoryStore({ embedder: createTestEmbedder() });
  const agent = new IterativeReasoningAgent({ model, store });
  const request = { task: 'Add retries to the HTTP client.', trajectory: 'Added retries with full-jitter backoff; tests pass.', workspaceId: 'cache-bench' };
  const runs = [];
  for (let i = 0; i < 2; i++) {
    const before = server.requests.length;
    const started = performance.now();
    const result = await agent.learn(request);
    runs.push({ ms: performance.now() - started, calls: result.calls, hits: result.cacheHits, billed: result.usage.input + result.usage.output, sent: server.requests.length - before });
  }
  const stats = model.getStatistics();
  agent.close();
  await model.close();
  await store.close();
  await server.close();
  console.log(`\n## Response cache: learn() on the same trajectory twice (judge + extraction at temperature 0, ${LATENCY_MS} ms per call)\n`);
  console.log('| run | model calls | from cache | requests sent | tokens billed | wall time |');
  console.log('|---|---|---|---|---|---|');
  runs.forEach((r, i) => console.log(`| ${i === 0 ? 'first' : 'second'} | ${r.calls} | ${r.hits} | ${r.sent} | ${r.billed} | ${r.ms.toFixed(0)} ms |`));
  console.log(`\nClient statistics: ${stats.cacheHits} cache hits saved ${stats.savedUsage.input + stats.savedUsage.output} tokens.`);
}

console.log(`@rb/agent benchmark (Node ${process.version}); figures may be re-measured on a quiet machine.`);
await mattsWallTime();
await compression();
await responseCache();
