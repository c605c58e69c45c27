import { IterativeReasoningAgent } from '../loop/iterative-reasoning-agent.js';
import { evaluation, requestsOf, script, startFixture, verdict, type Fixture } from '../spec-helpers/agent-fixture.js';
import { attemptTemperatures } from './matts-parallel.js';

let fx: Fixture;
let agent: IterativeReasoningAgent;

beforeEach(async () => {
  fx = await startFixture();
  agent = new IterativeReasoningAgent({ model: fx.model });
});

afterEach(async () => {
  agent.close();
  await fx.close();
});

describe('MaTTS parallel', () => {
  it('runs k attempts truly at once, judges each, and contrasts all k different answers', async () => {
    const k = 3;
    // Each reply waits until k requests are in flight together: a sequential implementation would fail here.
    fx.server.when((r) => r.schemaName === undefined, (r) => ({ text: `answer at temperature ${r.temperature}`, waitForConcurrent: k }));
    fx.server.when((r) => r.schemaName === 'evaluation', (r) => ({ ...evaluation(r.text.includes('0.5') ? 0.82 : 0.9), waitForConcurrent: k }));
    fx.server.when((r) => r.schemaName === 'verdict', (r) => ({ ...verdict(r.text.includes('0.9') ? 'failure' : 'success'), waitForConcurrent: k }));
    script(fx.server, { contrast: [{ json: { reasoning: 'attempt 2 verified its result', bestAttempt: 2, items: [] } }] });

    const result = await agent.solve({ task: 'Find the bug.', matts: { mode: 'parallel', k } });

    expect(fx.server.maxConcurrent).toBeGreaterThanOrEqual(k);
    const temperatures = requestsOf(fx.server, 'answer').map((r) => r.temperature).sort();
    expect(temperatures).toEqual([0.5, 0.7, 0.9]);
    const [contrast] = requestsOf(fx.server, 'contrast');
    for (const t of [0.5, 0.7, 0.9]) expect(contrast!.text).toContain(`answer at temperature ${t}`);
    expect(result).toMatchObject({ answer: 'answer at temperature 0.7', outcome: 'success' });
    expect(result.matts).toMatchObject({ mode: 'parallel', k, bestAttempt: 1 });
    expect(result.matts!.attempts.map((a) => a.outcome)).toEqual(['success', 'success', 'failure']);
    expect(result.trajectory.filter((s) => s.kind === 'candidate')).toHaveLength(3);
    expect(result.trajectory.at(-1)).toMatchObject({ kind: 'contrast', output: 'attempt 2 verified its result' });
  });

  it('falls back to the best verdict and score when the contrast cannot be read', async () => {
    fx.server.when((r) => r.schemaName === undefined, (r) => `answer ${r.temperature}`);
    fx.server.when((r) => r.schemaName === 'evaluation', (r) => evaluation(r.text.includes('answer 0.9') ? 0.95 : 0.85));
    fx.server.when((r) => r.schemaName === 'verdict', verdict('success'));
    fx.server.when((r) => r.schemaName === 'contrast', 'not json');

    const result = await agent.solve({ task: 'Find the bug.', matts: { mode: 'parallel', k: 3 } });

    expect(result).toMatchObject({ answer: 'answer 0.9', score: 0.95, outcome: 'success' });
    expect(requestsOf(fx.server, 'contrast')).toHaveLength(2);
  });

  it('keeps the attempts that answered when one fails', async () => {
    fx.server.when((r) => r.schemaName === undefined && r.temperature === 0.5, { status: 400, errorMessage: 'bad request' });
    fx.server.when((r) => r.schemaName === undefined, (r) => `answer ${r.temperature}`);
    fx.server.when((r) => r.schemaName === 'evaluation', evaluation(0.9));
    fx.server.when((r) => r.schemaName === 'verdict', verdict('success'));
    script(fx.server, { contrast: [{ json: { reasoning: 'r', bestAttempt: 3, items: [] } }] });

    const result = await agent.solve({ task: 'Find the bug.', matts: { mode: 'parallel', k: 3 } });

    expect(result.answer).toBe('answer 0.9');
    expect(result.matts!.attempts[0]).toMatchObject({ outcome: 'unknown', error: expect.objectContaining({ code: 'PROVIDER_ERROR' }) });
    expect(requestsOf(fx.server, 'contrast')[0]!.text).not.toContain('## Attempt 1');
  });

  it('spreads temperatures evenly around the generation temperature', () => {
    expect(attemptTemperatures(0.7, 1)).toEqual([0.7]);
    expect(attemptTemperatures(0.7, 5)).toEqual([0.5, 0.6, 0.7, 0.8, 0.9]);
    expect(attemptTemperatures(0.1, 3)).toEqual([0, 0.1, 0.3]);
  });
});

describe('MaTTS sequential', () => {
  it('re-examines one answer k times, keeping each reflection in the trajectory', async () => {
    script(fx.server, {
      answer: ['x = 1'],
      reflection: [
        { json: { reflection: 'the loop bound was off by one', answer: 'x = 2' } },
        { json: { reflection: 'checked again; it holds', answer: 'x = 2' } },
      ],
      evaluation: [evaluation(0.9)],
      verdict: [verdict('success')],
    });
    const result = await agent.solve({ task: 'Fix the loop.', matts: { mode: 'sequential', k: 2 } });

    expect(result).toMatchObject({ answer: 'x = 2', score: 0.9, outcome: 'success', iterations: 3 });
    expect(result.trajectory.map((s) => s.kind)).toEqual(['think', 'reflection', 'refine', 'reflection', 'evaluate']);
    const [first, second] = requestsOf(fx.server, 'reflection');
    expect(first!.text).toContain('Carefully re-examine');
    expect(first!.text).toContain('x = 1');
    expect(second!.text).toContain("Let's check again");
    expect(second!.text).toContain('the loop bound was off by one');
    expect(requestsOf(fx.server, 'verdict')[0]!.text).toContain('checked again; it holds');
  });
});
