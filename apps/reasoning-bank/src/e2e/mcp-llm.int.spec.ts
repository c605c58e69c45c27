// The LLM tools against a configured endpoint (the test LLM server speaking the Responses API), through the built
// server over HTTP: progress notifications, cancellation that stops the model calls, and the paper's loop end to end
// on embedded Chroma with the real MiniLM: a lesson learned from a failed run is retrieved on the next similar task.
import type { Client } from '@modelcontextprotocol/client';
import { SCENARIO_LESSON, startTestLlmServer, type TestLlmServer } from '@rb/agent/testing';
import { connectHttp, isStep, scriptSuccessfulRuns, serverEnv, startHttpServerProcess, tempDir, waitFor, type HttpServerProcess } from './harness.js';

// Results are JSON the assertions check field by field.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

let data: ReturnType<typeof tempDir>;
let server: HttpServerProcess;
let llm: TestLlmServer;
let client: Client;

beforeAll(async () => {
  data = tempDir();
  llm = await startTestLlmServer();
  server = await startHttpServerProcess(serverEnv(data.path, { RB_LLM_BASE_URL: llm.url, RB_LLM_API: 'responses', RB_LLM_MODEL: 'test-model' }));
  client = await connectHttp(server.url);
});

afterAll(async () => {
  await client?.close().catch(() => undefined);
  expect(await server?.stop()).toBe(0);
  await llm?.close();
  data?.cleanup();
});

beforeEach(() => llm.reset());

async function solve(args: Json, options: { onprogress?: (p: { progress: number; total?: number; message?: string }) => void; signal?: AbortSignal } = {}) {
  const result = await client.callTool({ name: 'solve_coding_task', arguments: args }, options);
  if (result.isError) throw new Error(JSON.stringify(result.content));
  return result.structuredContent as Json;
}

describe('progress', () => {
  it('notifies the client of each step of a solve and of a learn, in increasing order', async () => {
    scriptSuccessfulRuns(llm);
    const progress: { progress: number; total?: number; message?: string }[] = [];
    const solved = await solve({ workspace: 'progress', task: 'Write a function that returns its argument unchanged.' }, { onprogress: (p) => progress.push(p) });
    expect(solved['outcome']).toBe('success');
    expect(progress.length).toBeGreaterThanOrEqual(4);
    for (let i = 1; i < progress.length; i++) expect(progress[i]!.progress).toBeGreaterThan(progress[i - 1]!.progress);
    expect(progress.every((p) => typeof p.total === 'number' && p.total >= p.progress && p.message)).toBe(true);
    // The Responses API was the wire format of every call.
    expect(llm.requests.every((r) => r.api === 'responses' && r.model === 'test-model')).toBe(true);

    const learnProgress: number[] = [];
    const learned = await client.callTool(
      { name: 'learn_from_trajectory', arguments: { workspace: 'progress', task: 'Rename a column in a live table', trajectory: 'Added the new column, backfilled, switched reads, dropped the old one.' } },
      { onprogress: (p) => learnProgress.push(p.progress) },
    );
    expect(learned.isError).toBeFalsy();
    expect(learnProgress.length).toBeGreaterThanOrEqual(2);
  });

  it('reaches a stateless 2026-07-28 client too (the response upgrades to an event stream)', async () => {
    scriptSuccessfulRuns(llm);
    const modern = await connectHttp(server.url, { modern: true });
    try {
      const progress: number[] = [];
      const result = await modern.callTool(
        { name: 'learn_from_trajectory', arguments: { workspace: 'progress-modern', task: 'Rotate a leaked API key', trajectory: 'Revoked it, issued a new one, updated the secret store.' } },
        { onprogress: (p) => progress.push(p.progress) },
      );
      expect(result.isError).toBeFalsy();
      expect(progress.length).toBeGreaterThanOrEqual(2);
    } finally {
      await modern.close();
    }
  });

  it('runs MaTTS: parallel attempts, contrasted', async () => {
    scriptSuccessfulRuns(llm);
    const solved = await solve({ workspace: 'matts', task: 'Write a function that returns its argument unchanged.', enable_matts: true, matts_k: 2, matts_mode: 'parallel' });
    expect(solved['matts']).toEqual(expect.objectContaining({ mode: 'parallel', k: 2, attempts: [expect.any(Object), expect.any(Object)] }));
    expect(llm.requests.some(isStep('contrast'))).toBe(true);
  });
});

describe('cancellation', () => {
  it.each([
    ['a 2025-11-25 session (notifications/cancelled)', false],
    ['a stateless 2026-07-28 request (the HTTP exchange closed)', true],
  ])('stops calling the model once the client cancels a solve: %s', async (_era, modern) => {
    const caller = modern ? await connectHttp(server.url, { modern: true }) : client;
    const workspace = modern ? 'cancel-modern' : 'cancel';
    try {
      // The model never answers the first call: the run is stuck in it when the client gives up.
      llm.setDefault({ fault: 'hang' });
      const cancel = new AbortController();
      const call = caller.callTool({ name: 'solve_coding_task', arguments: { workspace, task: 'Write a sorting function.' } }, { signal: cancel.signal });
      await waitFor('the first model call', () => llm.requests.length === 1);
      const cancelledBefore = await cancelledCalls();
      cancel.abort();
      await expect(call).rejects.toThrow();

      // The server's handler ends (recorded as cancelled) and the model call it was waiting on is abandoned...
      await waitFor('the hanging model call to be abandoned', () => llm.requests[0]!.aborted);
      await waitFor('the server to record the cancelled call', async () => (await cancelledCalls()) === cancelledBefore + 1);
      // ...and no model call followed it: no judge, no extraction of a cancelled run.
      expect(llm.requests).toHaveLength(1);
      expect((await client.callTool({ name: 'get_statistics', arguments: { workspace } })).structuredContent).toEqual(expect.objectContaining({ traces: 0 }));
    } finally {
      if (modern) await caller.close();
    }
  });
});

async function cancelledCalls(): Promise<number> {
  const metrics = (await client.callTool({ name: 'get_performance_metrics', arguments: {} })).structuredContent as Json;
  return ((metrics['tools'] as Json[]).find((t) => t['name'] === 'solve_coding_task')?.['cancelled'] as number | undefined) ?? 0;
}

describe('learning from failure, end to end (embedded Chroma, real MiniLM)', () => {
  it('retrieves the lesson of a failed run on the next similar task, and puts it in the prompt', async () => {
    const health = (await client.callTool({ name: 'health', arguments: {} })).structuredContent as Json;
    expect(health['store']['backend']).toMatch(/^chroma \(embedded/);
    expect(health['embedder']['model']).toBe('onnx-community/all-MiniLM-L6-v2-ONNX');

    // The first run fails: its answer crashes on an empty list, the judge says failure, extraction finds why.
    llm.setDefault((request) => {
      if (isStep('evaluation')(request)) return { json: { issues: ['raises ZeroDivisionError on an empty list'], feedback: 'Handle the empty list.', score: 0.4 } };
      if (isStep('verdict')(request)) return { json: { reasoning: 'The function crashes on an empty list, a case the task implies.', status: 'failure' } };
      if (isStep('memoryItems')(request)) return { json: { reasoning: 'It never considered an empty list.', items: [SCENARIO_LESSON] } };
      return { text: '```python\ndef average(xs):\n    return sum(xs) / len(xs)\n```' };
    });
    const first = await solve({ workspace: 'lessons', task: 'Write a Python function that returns the average of a list of numbers.' });
    expect(first['outcome']).toBe('failure');
    expect(first['learned']).toHaveLength(1);
    const lesson = first['learned'][0] as Json;
    expect(lesson).toEqual(expect.objectContaining({ title: SCENARIO_LESSON.title, outcome: 'failure', errorContext: SCENARIO_LESSON.errorContext }));

    llm.reset();
    llm.setDefault((request) => {
      if (isStep('evaluation')(request)) return { json: { issues: [], feedback: 'Correct, including the empty list.', score: 0.95 } };
      if (isStep('verdict')(request)) return { json: { reasoning: 'Correct and handles the empty list.', status: 'success' } };
      if (isStep('memoryItems')(request)) return { json: { reasoning: 'The earlier lesson was applied.', items: [] } };
      return { text: '```python\ndef mean(xs):\n    return None if not xs else sum(xs) / len(xs)\n```' };
    });
    const second = await solve({ workspace: 'lessons', task: 'Write a Python function that computes the average of a list of numbers read from a file.' });
    expect(second['memoriesUsed'].map((m: Json) => m['id'])).toEqual([lesson['id']]);
    const prompt = llm.requests.find(isStep('answer'))!.text;
    expect(prompt).toContain(SCENARIO_LESSON.title);
    expect(prompt).toContain(SCENARIO_LESSON.errorContext.correctiveGuidance);

    // An unrelated task gets nothing: the relevance threshold keeps the lesson out of a prompt it does not fit.
    const unrelated = (await client.callTool({ name: 'retrieve_memories', arguments: { workspace: 'lessons', query: 'Configure TLS certificates for an nginx reverse proxy' } }))
      .structuredContent as Json;
    expect(unrelated['memories']).toEqual([]);
  });
});
