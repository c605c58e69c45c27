import { InMemoryMemoryStore } from '@rb/memory';
import { createTestEmbedder } from '@rb/memory/testing';
import { createReasoningBank } from '../reasoning-bank.js';
import { evaluation, items, requestsOf, script, startFixture, verdict, type Fixture } from '../spec-helpers/agent-fixture.js';
import { runLessonScenario, SCENARIO_LESSON } from '../testing/index.js';
import { IterativeReasoningAgent } from './iterative-reasoning-agent.js';
import type { AgentOptions } from './agent-options.js';

const WS = 'team-a';
let fx: Fixture;
let store: InMemoryMemoryStore;
const agents: IterativeReasoningAgent[] = [];
const agent = (options: Partial<AgentOptions> = {}) => {
  const a = new IterativeReasoningAgent({ model: fx.model, store, ...options });
  agents.push(a);
  return a;
};

const success = {
  title: 'Count with a dictionary of totals',
  description: 'Use when tallying how often each distinct value occurs in a sequence.',
  content: 'Keep a mapping from value to count and increment it while walking the sequence once; it is linear and clear.',
};
const failure = {
  title: 'Normalise case before comparing words',
  description: 'Use when counting or matching words that may differ only in letter case.',
  content: 'Lower-case every word before counting, or the same word written differently is counted twice.',
  errorContext: { errorType: 'missed normalisation', failurePattern: 'compared words without normalising case', correctiveGuidance: 'lower-case words before counting them' },
};

beforeEach(async () => {
  fx = await startFixture();
  store = new InMemoryMemoryStore({ embedder: createTestEmbedder() });
});

afterEach(async () => {
  agents.splice(0).forEach((a) => a.close());
  await store.close();
  await fx.close();
});

describe('learning from a run', () => {
  it('stores a success with its trace and success memories (no errorContext)', async () => {
    script(fx.server, { answer: ['Use a dict of counts.'], evaluation: [evaluation(0.9)], verdict: [verdict('success', 'complete and correct')], memoryItems: [items('it counted in one pass', [success])] });
    const result = await agent().solve({ task: 'Count word frequencies in a text.', workspaceId: WS, domain: 'python', tags: ['counting'] });

    expect(result).toMatchObject({ outcome: 'success', errors: [], skipped: [] });
    expect(result.learned).toHaveLength(1);
    expect(requestsOf(fx.server, 'memoryItems')[0]!.instructions).toMatch(/SUCCEEDED/);
    const trace = await store.getTrace({ workspaceId: WS, id: result.traceId! });
    expect(trace).toMatchObject({ outcome: 'success', judgeVerdict: 'success', judgeReasoning: 'complete and correct', domain: 'python' });
    expect(trace!.trajectory!.map((s) => s.kind)).toEqual(['think', 'evaluate']);
    expect(trace!.extractedMemoryIds).toEqual([result.learned[0]!.id]);
    expect(trace!.tokenUsage!.input).toBeGreaterThan(0);
    const [memory] = await store.getMemories({ workspaceId: WS, ids: [result.learned[0]!.id] });
    expect(memory).toMatchObject({ ...success, outcome: 'success', traceId: result.traceId, evolutionStage: 0, domain: 'python', tags: ['counting'] });
    expect(memory!.errorContext).toBeUndefined();
  });

  it('stores a failure with failure memories carrying errorContext', async () => {
    script(fx.server, { answer: ['split on spaces'], evaluation: [evaluation(0.5)], verdict: [verdict('failure', 'counts "The" and "the" apart')] });
    script(fx.server, { answer: ['split on spaces again'], evaluation: [evaluation(0.4)], memoryItems: [items('case was ignored', [failure])] });
    const result = await agent().solve({ task: 'Count word frequencies, ignoring case.', workspaceId: WS });

    expect(result.outcome).toBe('failure');
    const request = requestsOf(fx.server, 'memoryItems')[0]!;
    expect(request.instructions).toMatch(/FAILED/);
    expect(request.text).toContain('counts "The" and "the" apart');
    const [memory] = await store.getMemories({ workspaceId: WS, ids: [result.learned[0]!.id] });
    expect(memory).toMatchObject({ title: failure.title, outcome: 'failure', errorContext: failure.errorContext });
    expect((await store.getStatistics({ workspaceId: WS })).errorMemories).toBe(1);
  });

  it('consolidates: a duplicate is skipped, a near-duplicate becomes a refinement with genealogy', async () => {
    const a = agent({ duplicateThreshold: 0.98, refinementThreshold: 0.6 });
    script(fx.server, { memoryItems: [items('first', [success])] });
    const first = await a.learn({ task: 'Tally votes per candidate.', trajectory: 'Used a dict of counts.', outcome: 'success', workspaceId: WS });
    const parent = first.learned[0]!;

    const refined = {
      ...success,
      content: 'Keep a mapping from value to count and increment it while walking the sequence once; Counter does the same.',
    };
    script(fx.server, { memoryItems: [items('again', [success, refined])] });
    const second = await a.learn({ task: 'Tally votes per region.', trajectory: 'Used a Counter.', outcome: 'success', workspaceId: WS });

    expect(second.skipped).toEqual([{ memory: success, duplicateOf: parent.id, similarity: expect.any(Number) }]);
    expect(second.skipped[0]!.similarity).toBeGreaterThanOrEqual(0.98);
    expect(second.learned).toEqual([expect.objectContaining({ content: refined.content, parentId: parent.id, derivedFrom: [parent.id], evolutionStage: 1 })]);
    const genealogy = await store.getGenealogy({ workspaceId: WS, id: second.learned[0]!.id });
    expect(genealogy!.ancestors.map((e) => [e.memory.id, e.depth])).toEqual([[parent.id, 1]]);
    expect((await store.getStatistics({ workspaceId: WS })).memories).toBe(2);
  });

  it('retrieves a lesson learned from a failed run on the next, similar task', async () => {
    const { first, lesson, second, secondPrompt } = await runLessonScenario({ store, workspaceId: WS });

    expect(first.outcome).toBe('failure');
    expect(lesson).toMatchObject({ title: SCENARIO_LESSON.title, errorContext: SCENARIO_LESSON.errorContext });
    expect(second.memoriesUsed.map((r) => r.memory.id)).toEqual([lesson!.id]);
    expect(second.memoriesUsed[0]!.memory.outcome).toBe('failure');
    expect(secondPrompt).toContain(SCENARIO_LESSON.title);
    expect(secondPrompt).toContain(SCENARIO_LESSON.errorContext.correctiveGuidance);
    const trace = await store.getTrace({ workspaceId: WS, id: second.traceId! });
    expect(trace!.usedMemoryIds).toEqual([lesson!.id]);
  });

  it('learns nothing and stores nothing when the judge of a handed-in trajectory fails', async () => {
    script(fx.server, { verdict: ['???', '!!!'] });
    const result = await agent().learn({ task: 'Refactor the parser.', trajectory: [{ kind: 'action', output: 'edited parser.ts' }], workspaceId: WS });

    expect(result).toMatchObject({ outcome: 'unknown', learned: [], traceId: undefined });
    expect(result.errors[0]).toMatchObject({ phase: 'judge', error: { code: 'INVALID_STRUCTURED_OUTPUT' } });
    expect(await store.getStatistics({ workspaceId: WS })).toMatchObject({ memories: 0, traces: 0 });
    expect(requestsOf(fx.server, 'memoryItems')).toHaveLength(0);
  });

  it('judges a handed-in trajectory when no outcome is given, and uses the failure prompt for a partial one', async () => {
    script(fx.server, { verdict: [verdict('success')], memoryItems: [items('fine', [success])] });
    const judged = await agent().learn({ task: 'Add a cache.', trajectory: 'Added an LRU cache; tests pass.', workspaceId: WS });
    expect(judged.outcome).toBe('success');
    expect(requestsOf(fx.server, 'verdict')[0]!.text).toContain('Added an LRU cache; tests pass.');

    script(fx.server, { memoryItems: [items('half done', [failure])] });
    const partial = await agent().learn({ task: 'Add a cache.', trajectory: 'Added a cache; one test fails.', outcome: 'partial', judgeReasoning: 'a test fails', workspaceId: WS });
    expect(partial.outcome).toBe('partial');
    expect(requestsOf(fx.server, 'verdict')).toHaveLength(1);
    expect(requestsOf(fx.server, 'memoryItems')[1]!.instructions).toMatch(/FAILED/);
    expect(await store.getTrace({ workspaceId: WS, id: partial.traceId! })).toMatchObject({ outcome: 'partial', judgeReasoning: 'a test fails' });
  });

  it('asks once for a general rewording of items that quote the task, then drops those that still do', async () => {
    const quoting = { ...success, content: 'Call "tally_votes_v2" with a dict of counts, walking the sequence once.' };
    const { errorContext: _, ...general } = failure;
    script(fx.server, { memoryItems: [items('first', [quoting, general]), items('second', [quoting, general])] });
    const result = await agent().learn({ task: 'Fix the function "tally_votes_v2".', trajectory: 'Fixed it.', outcome: 'success', workspaceId: WS });

    const [, repair] = requestsOf(fx.server, 'memoryItems');
    expect(repair!.messages.at(-1)!.content).toMatch(/items\[0\] quotes this task \("tally_votes_v2"\)/);
    expect(result.dropped).toEqual([quoting]);
    expect(result.learned.map((m) => m.title)).toEqual([failure.title]);
  });

  it('keeps the answer when the store is down, reporting each step that failed', async () => {
    script(fx.server, { answer: ['answer'], evaluation: [evaluation(0.9)], verdict: [verdict('success')], memoryItems: [items('r', [success])] });
    await store.close();
    const result = await agent().solve({ task: 'Count words.', workspaceId: WS });

    expect(result).toMatchObject({ answer: 'answer', outcome: 'success', learned: [], traceId: undefined, memoriesUsed: [] });
    expect(result.errors.map((e) => e.phase)).toEqual(['retrieve', 'consolidate', 'store']);
    expect(result.errors[0]!.error).toMatchObject({ code: 'CLOSED' });
  });

  it('stores the contrast items of a MaTTS parallel run with its best attempt', async () => {
    fx.server.when((r) => r.schemaName === undefined, (r) => `attempt at ${r.temperature}`);
    fx.server.when((r) => r.schemaName === 'evaluation', evaluation(0.9));
    fx.server.when((r) => r.schemaName === 'verdict', (r) => verdict(r.text.includes('attempt at 0.9') ? 'failure' : 'success'));
    script(fx.server, { contrast: [{ json: { reasoning: 'the cooler attempts checked their work', bestAttempt: 1, items: [{ ...success, errorContext: null }, failure] } }] });
    const result = await agent().solve({ task: 'Count word frequencies.', workspaceId: WS, matts: { mode: 'parallel', k: 3 } });

    expect(result).toMatchObject({ answer: 'attempt at 0.5', outcome: 'success' });
    expect(requestsOf(fx.server, 'memoryItems')).toHaveLength(0);
    const stored = await store.getMemories({ workspaceId: WS, ids: result.learned.map((m) => m.id) });
    expect(stored.map((m) => [m!.title, m!.errorContext?.errorType])).toEqual([
      [success.title, undefined],
      [failure.title, 'missed normalisation'],
    ]);
    const trace = await store.getTrace({ workspaceId: WS, id: result.traceId! });
    expect(trace!.trajectory!.filter((s) => s.kind === 'candidate')).toHaveLength(3);
  });

  it('keeps workspaces apart', async () => {
    script(fx.server, { memoryItems: [items('r', [success])] });
    await agent().learn({ task: 'Tally votes.', trajectory: 'dict of counts', outcome: 'success', workspaceId: 'team-a' });

    expect(await agent().retrieve({ workspaceId: 'team-b', query: success.title, minScore: 0 })).toEqual([]);
    expect((await agent().retrieve({ workspaceId: 'team-a', query: success.title }))[0]!.memory.title).toBe(success.title);
  });

  it('needs a workspace to retrieve or learn', async () => {
    await expect(agent().solve({ task: 'x' })).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'workspaceId' });
    await expect(agent().learn({ task: 'x', trajectory: 'y' })).rejects.toMatchObject({ field: 'workspaceId' });
    await expect(agent().learn({ task: 'x', trajectory: [], workspaceId: WS })).rejects.toMatchObject({ field: 'request.trajectory' });
    await expect(agent().learn({ task: 'x', trajectory: 'y', judgeReasoning: 'z', workspaceId: WS })).rejects.toMatchObject({ field: 'request.judgeReasoning' });
    expect(fx.server.requests).toHaveLength(0);
  });
});

describe('createReasoningBank', () => {
  it('solves, learns and retrieves in its default workspace', async () => {
    const bank = createReasoningBank({ store, model: fx.model, workspaceId: 'bank-ws' });
    try {
      script(fx.server, { answer: ['dict of counts'], evaluation: [evaluation(0.9)], verdict: [verdict('success')], memoryItems: [items('r', [success])] });
      const solved = await bank.solve('Count word frequencies.');
      expect(solved.learned).toHaveLength(1);
      expect((await bank.retrieve(success.title))[0]!.memory.workspaceId).toBe('bank-ws');
      expect(await bank.retrieve({ query: success.title, workspaceId: 'elsewhere', minScore: 0 })).toEqual([]);
    } finally {
      await bank.close();
    }
  });

  it('refuses a bank without a store, or with a bad workspace', () => {
    expect(() => createReasoningBank({ model: fx.model } as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', field: 'store' }));
    expect(() => createReasoningBank({ store, model: fx.model, workspaceId: '' })).toThrow(expect.objectContaining({ field: 'workspaceId' }));
  });
});
