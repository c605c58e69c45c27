import { AgentError } from '../errors.js';
import { evaluation, requestsOf, script, startFixture, until, verdict, type Fixture } from '../spec-helpers/agent-fixture.js';
import { IterativeReasoningAgent } from './iterative-reasoning-agent.js';
import type { AgentOptions } from './agent-options.js';
import type { AgentProgress } from './run-context.js';

let fx: Fixture;
const agents: IterativeReasoningAgent[] = [];
const agent = (options: Partial<AgentOptions> = {}) => {
  const a = new IterativeReasoningAgent({ model: fx.model, ...options });
  agents.push(a);
  return a;
};

beforeEach(async () => {
  fx = await startFixture();
});

afterEach(async () => {
  agents.splice(0).forEach((a) => a.close());
  await fx.close();
});

describe('IterativeReasoningAgent loop', () => {
  it('thinks, evaluates and stops at the threshold, then judges at temperature 0', async () => {
    script(fx.server, { answer: ['Use a dict.'], evaluation: [evaluation(0.9)], verdict: [verdict('success')] });
    const result = await agent().solve({ task: 'How do I count words in Python?' });

    expect(result).toMatchObject({ answer: 'Use a dict.', score: 0.9, stopReason: 'threshold', iterations: 1, outcome: 'success', errors: [] });
    expect(result.trajectory.map((s) => s.kind)).toEqual(['think', 'evaluate']);
    expect(fx.server.requests.map((r) => [r.schemaName ?? 'answer', r.temperature])).toEqual([
      ['answer', 0.7],
      ['evaluation', 0],
      ['verdict', 0],
    ]);
    expect(result.usage.input).toBeGreaterThan(0);
    expect(result.calls).toBe(3);
  });

  it('refines with the previous answer and its feedback until the score is good enough', async () => {
    script(fx.server, {
      answer: ['first draft', 'second draft', 'final answer'],
      evaluation: [evaluation(0.4, 'handle empty input', ['crashes on ""']), evaluation(0.6, 'add tests'), evaluation(0.85)],
      verdict: [verdict('success')],
    });
    const result = await agent().solve({ task: 'Write a word counter.' });

    expect(result).toMatchObject({ answer: 'final answer', score: 0.85, stopReason: 'threshold', iterations: 3 });
    expect(result.trajectory.map((s) => s.kind)).toEqual(['think', 'evaluate', 'refine', 'evaluate', 'refine', 'evaluate']);
    const [, second, third] = requestsOf(fx.server, 'answer');
    expect(second!.text).toContain('first draft');
    expect(second!.text).toContain('handle empty input');
    expect(second!.text).toContain('crashes on ""');
    // Older attempts stay in the prompt while it fits.
    expect(third!.text).toContain('first draft');
    expect(third!.text).toContain('second draft');
    expect(third!.text).toContain('add tests');
  });

  it('stops when the score stops improving and keeps the best answer', async () => {
    script(fx.server, { answer: ['good one', 'worse one'], evaluation: [evaluation(0.6), evaluation(0.5)], verdict: [verdict('failure')] });
    const result = await agent().solve({ task: 'Explain recursion.' });

    expect(result).toMatchObject({ answer: 'good one', score: 0.6, stopReason: 'stagnation', iterations: 2, outcome: 'failure' });
  });

  it('stops on an answer that repeats an earlier one once normalised', async () => {
    script(fx.server, { answer: ['Use `sorted(xs)`.', 'use sorted(xs)'], evaluation: [evaluation(0.5)], verdict: [verdict('failure')] });
    const result = await agent().solve({ task: 'Sort a list.' });

    expect(result).toMatchObject({ answer: 'Use `sorted(xs)`.', stopReason: 'repeat', iterations: 2 });
    expect(requestsOf(fx.server, 'evaluation')).toHaveLength(1);
  });

  it('stops at maxIterations, or at the run budget of iterations', async () => {
    let n = 0;
    fx.server.when((r) => r.schemaName === undefined, () => `answer ${++n}`);
    fx.server.when((r) => r.schemaName === 'evaluation', () => evaluation(Math.min(0.7, 0.1 * n)));
    fx.server.when((r) => r.schemaName === 'verdict', verdict('failure'));
    const a = agent({ maxIterations: 2 });

    expect(await a.solve({ task: 'Do it.' })).toMatchObject({ stopReason: 'max-iterations', iterations: 2 });
    expect(await a.solve({ task: 'Do it.', budget: { iterations: 1 } })).toMatchObject({ stopReason: 'max-iterations', iterations: 1 });
  });

  it('repairs a garbled judge answer once', async () => {
    script(fx.server, { answer: ['42'], evaluation: [evaluation(0.95)], verdict: ['Looks fine to me!', verdict('success', 'checked every requirement')] });
    const result = await agent().solve({ task: 'What is 6 x 7?' });

    expect(result).toMatchObject({ outcome: 'success', judgeReasoning: 'checked every requirement', errors: [] });
    const [first, repair] = requestsOf(fx.server, 'verdict');
    expect(repair!.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(repair!.messages[1]!.content).toBe('Looks fine to me!');
    expect(repair!.messages[2]!.content).toMatch(/not valid JSON/);
    expect(first!.messages).toHaveLength(1);
  });

  it('keeps the solution when the judge fails twice: outcome unknown, nothing learned', async () => {
    script(fx.server, { answer: ['the solution'], evaluation: [evaluation(0.9)], verdict: ['garbage', '{"status": "maybe"}'] });
    const result = await agent().solve({ task: 'Solve it.' });

    expect(result).toMatchObject({ answer: 'the solution', score: 0.9, outcome: 'unknown', learned: [], traceId: undefined });
    expect(result.errors).toEqual([{ phase: 'judge', error: expect.objectContaining({ code: 'INVALID_STRUCTURED_OUTPUT' }) }]);
  });

  it('keeps the solution when the judge call fails at the provider', async () => {
    script(fx.server, { answer: ['the solution'], evaluation: [evaluation(0.9)], verdict: [{ status: 500, errorMessage: 'overloaded' }] });
    const result = await agent().solve({ task: 'Solve it.' });

    expect(result).toMatchObject({ answer: 'the solution', outcome: 'unknown' });
    expect(result.errors[0]).toMatchObject({ phase: 'judge', error: { code: 'PROVIDER_ERROR', status: 500 } });
    expect(requestsOf(fx.server, 'verdict')).toHaveLength(1);
  });

  it('keeps the answer when its self-evaluation cannot be read', async () => {
    script(fx.server, { answer: ['an answer'], evaluation: ['nope', 'still nope'], verdict: [verdict('success')] });
    const result = await agent().solve({ task: 'Solve it.' });

    expect(result).toMatchObject({ answer: 'an answer', score: undefined, stopReason: 'evaluation-failed', outcome: 'success' });
    expect(result.errors[0]).toMatchObject({ phase: 'evaluate', error: { code: 'INVALID_STRUCTURED_OUTPUT' } });
  });

  it('reports progress for every step, never going backwards', async () => {
    script(fx.server, { answer: ['a', 'b'], evaluation: [evaluation(0.5), evaluation(0.9)], verdict: [verdict('success')] });
    const events: AgentProgress[] = [];
    await agent().solve({ task: 'Solve it.', onProgress: (p) => events.push(p) });

    expect(events.map((e) => e.phase)).toEqual(['think', 'evaluate', 'refine', 'evaluate', 'judge', 'done']);
    for (const [i, e] of events.entries()) {
      expect(e.done).toBeLessThanOrEqual(e.total);
      if (i > 0) expect(e.done).toBeGreaterThanOrEqual(events[i - 1]!.done);
    }
    expect(events.at(-1)).toMatchObject({ phase: 'done', done: events.at(-1)!.total });
  });

  it('goes on without a progress listener that throws, and reports it', async () => {
    script(fx.server, { answer: ['a'], evaluation: [evaluation(0.9)], verdict: [verdict('success')] });
    let calls = 0;
    const result = await agent().solve({
      task: 'Solve it.',
      onProgress: () => {
        calls++;
        throw new Error('the client went away');
      },
    });

    expect(result).toMatchObject({ answer: 'a', outcome: 'success' });
    expect(calls).toBe(1);
    expect(result.errors).toEqual([{ phase: 'think', error: new Error('the client went away') }]);
  });

  it('runs concurrent solves with nothing shared: each counts only its own calls', async () => {
    fx.server.when((r) => r.schemaName === undefined && r.text.includes('task A'), { text: 'answer A', usage: { input: 10, output: 1 } });
    fx.server.when((r) => r.schemaName === undefined && r.text.includes('task B'), { text: 'answer B', usage: { input: 1000, output: 100 } });
    fx.server.when((r) => r.schemaName === 'evaluation', { ...evaluation(0.9), usage: { input: 5, output: 5 }, waitForConcurrent: 2 });
    fx.server.when((r) => r.schemaName === 'verdict', { ...verdict('success'), usage: { input: 5, output: 5 } });
    const a = agent();
    const [ra, rb] = await Promise.all([a.solve({ task: 'task A' }), a.solve({ task: 'task B' })]);

    expect(ra).toMatchObject({ answer: 'answer A', usage: { input: 20, output: 11 } });
    expect(rb).toMatchObject({ answer: 'answer B', usage: { input: 1010, output: 110 } });
  });
});

describe('budgets and cancellation', () => {
  it('stops at the token budget, keeping the best answer and never asking for more than is left', async () => {
    let n = 0;
    fx.server.when((r) => r.schemaName === undefined, () => ({ text: n++ === 0 ? 'an answer' : `answer ${n}`, usage: { input: 300, output: 100 } }));
    fx.server.when((r) => r.schemaName === 'evaluation', { ...evaluation(0.3), usage: { input: 300, output: 100 } });
    const result = await agent({ maxIterations: 5 }).solve({ task: 'Solve it.', judge: false, budget: { tokens: 1000 } });

    expect(result).toMatchObject({ answer: 'an answer', stopReason: 'budget-tokens', outcome: 'unknown' });
    // 400 + 400 spent; the next answer would need its prompt plus at least a few tokens of the 200 left.
    const answers = requestsOf(fx.server, 'answer');
    expect(answers.length).toBeLessThanOrEqual(2);
    if (answers.length === 2) expect(answers[1]!.body['max_output_tokens']).toBeLessThanOrEqual(200);
    expect(result.usage.input + result.usage.output).toBeGreaterThanOrEqual(800);
  });

  it('stops at the wall-time budget between steps (injected clock)', async () => {
    let clock = 0;
    let n = 0;
    fx.server.when((r) => r.schemaName === undefined, () => {
      clock += 1000;
      return `answer ${++n}`;
    });
    fx.server.when((r) => r.schemaName === 'evaluation', () => {
      clock += 1000;
      return evaluation(0.1 * n);
    });
    const result = await agent({ maxIterations: 10, now: () => clock }).solve({ task: 'Solve it.', judge: false, budget: { timeMs: 3500 } });

    // think (1 s), evaluate (2 s), refine (3 s), evaluate (4 s) -> the next step sees 4 s >= 3.5 s.
    expect(result).toMatchObject({ answer: 'answer 2', stopReason: 'budget-time', iterations: 2 });
    expect(fx.server.requests).toHaveLength(4);
  });

  it('stops a call in flight when the wall time runs out, keeping the earlier answer', async () => {
    script(fx.server, { answer: ['the answer'], evaluation: [{ fault: 'hang' }] });
    const result = await agent().solve({ task: 'Solve it.', judge: false, budget: { timeMs: 300 } });

    expect(result).toMatchObject({ answer: 'the answer', stopReason: 'budget-time' });
    await until(() => fx.server.requests[1]!.aborted, 'the hung call to be dropped');
  });

  it('fails with BUDGET_EXCEEDED when not even one answer fits the budget', async () => {
    await expect(agent().solve({ task: 'Solve it.', budget: { tokens: 20 } })).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED', field: 'tokenBudget' });
    expect(fx.server.requests).toHaveLength(0);
  });

  it('stops spending when cancelled mid-run', async () => {
    script(fx.server, { answer: ['first', 'second'], evaluation: [{ fault: 'hang' }] });
    const controller = new AbortController();
    const pending = agent().solve({ task: 'Solve it.', signal: controller.signal });
    await until(() => fx.server.requests.length === 2, 'the evaluation request');
    controller.abort(new Error('user pressed stop'));

    const error = await pending.catch((e: unknown) => e);
    expect(AgentError.isInstance(error) && error.code).toBe('ABORTED');
    expect((error as Error).cause).toEqual(new Error('user pressed stop'));
    await until(() => fx.server.requests[1]!.aborted, 'the evaluation call to be dropped');
    await new Promise((r) => setImmediate(r));
    expect(fx.server.requests).toHaveLength(2);
  });

  it('refuses a run whose signal already fired, before any call', async () => {
    await expect(agent().solve({ task: 'x', signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ABORTED' });
    expect(fx.server.requests).toHaveLength(0);
  });
});

describe('prompt fitting', () => {
  it('cuts old attempts to fit truncationThreshold, never the task or the output format', async () => {
    const long = 'This paragraph explains one more detail of the earlier attempt at length. '.repeat(120);
    script(fx.server, { answer: [`draft one ${long}`, `draft two ${long}`, 'final'], evaluation: [evaluation(0.3), evaluation(0.5), evaluation(0.9)], verdict: [verdict('success')] });
    const a = agent({ maxPromptTokens: 2000, truncationThreshold: 1500 });
    const result = await a.solve({ task: 'Summarise the TASK-MARKER requirements.' });

    const third = requestsOf(fx.server, 'answer')[2]!;
    expect(third.text).toContain('TASK-MARKER');
    expect(third.text).toContain('## What to write');
    expect(third.text).toContain('draft two');
    expect(result.promptTokens.sent).toBeLessThan(result.promptTokens.original);
  });

  it('refuses a task longer than maxPromptTokens before calling the model', async () => {
    const error = await agent({ maxPromptTokens: 300, truncationThreshold: 300 })
      .solve({ task: 'word '.repeat(2000) })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INVALID_INPUT', field: 'task' });
    expect(fx.server.requests).toHaveLength(0);
  });
});

describe('options and input', () => {
  it('refuses bad options and requests, naming the field', async () => {
    expect(() => new IterativeReasoningAgent({} as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', field: 'model' }));
    expect(() => agent({ max_iterations: 3 } as never)).toThrow(expect.objectContaining({ field: 'max_iterations', message: expect.stringMatching(/maxIterations/) }));
    expect(() => agent({ successThreshold: 2 })).toThrow(expect.objectContaining({ field: 'successThreshold' }));
    expect(() => agent({ truncationThreshold: 20_000 })).toThrow(expect.objectContaining({ field: 'truncationThreshold' }));
    expect(() => agent({ store: {} as never })).toThrow(expect.objectContaining({ field: 'store' }));
    await expect(agent().solve({ task: '   ' })).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'request.task' });
    await expect(agent().solve({ task: 'x', matts: { mode: 'parallel', k: 11 } })).rejects.toMatchObject({ field: 'request.matts.k' });
    await expect(agent().solve({ task: 'x', extra: 1 } as never)).rejects.toMatchObject({ field: 'request.extra' });
  });

  it('refuses calls after close()', async () => {
    const a = agent();
    a.close();
    await expect(a.solve({ task: 'x' })).rejects.toMatchObject({ code: 'CLOSED' });
  });
});
