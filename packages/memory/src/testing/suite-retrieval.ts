import { DEFAULT_TIE_MARGIN } from '../retrieval/retrieval-options.js';
import type { SuiteEnv } from './suite-env.js';
import { ERROR_CONTEXT, freshWorkspace, LESSONS, OFF_TOPIC } from './suite-helpers.js';

const UNRELATED_ERROR = {
  errorType: 'AssertionOrder',
  failurePattern: 'An assertion ran before the mocked timer fired.',
  correctiveGuidance: 'Advance fake timers explicitly before asserting.',
};

/** Ranking rules, the threshold and filters. */
export function retrievalTests({ g, open, timeout }: SuiteEnv): void {
  const { it, expect, describe } = g;

  describe('retrieval', () => {
    it('finds the lesson for a task, k = 1 by default, with every score component', async () => {
      const { store } = await open();
      const workspaceId = freshWorkspace();
      await store.addTrace({ workspaceId, trace: { task: 't', outcome: 'success', memories: Object.values(LESSONS) } });
      const [best, ...rest] = await store.retrieve({ workspaceId, query: 'My unit test is flaky because it sleeps while waiting for time to pass' });
      expect(rest).toEqual([]);
      expect(best?.memory.title).toBe(LESSONS.clock.title);
      const c = best!.components;
      expect(c.similarity).toBeGreaterThan(0);
      expect(c.relevance).toBeGreaterThanOrEqual(c.similarity);
      expect(c.recency).toBeLessThanOrEqual(1);
      expect(c.errorBoost).toBe(0);
      expect(best!.score).toBeGreaterThanOrEqual(c.relevance);
      const three = await store.retrieve({ workspaceId, query: 'flaky test sleeping for time', k: 3, minScore: 0 });
      expect(three).toHaveLength(3);
      for (let i = 1; i < three.length; i++) expect(three[i - 1]!.score).toBeGreaterThanOrEqual(three[i]!.score);
    }, timeout);

    it('returns nothing for an unrelated task by default, and everything with minScore 0', async () => {
      const { store } = await open();
      const workspaceId = freshWorkspace();
      await store.addTrace({ workspaceId, trace: { task: 't', outcome: 'success', memories: Object.values(LESSONS) } });
      expect(await store.retrieve({ workspaceId, query: OFF_TOPIC, k: 4 })).toEqual([]);
      expect(await store.retrieve({ workspaceId, query: OFF_TOPIC, k: 4, minScore: 0 })).toHaveLength(4);
    }, timeout);

    it('never lifts a recent failure memory over a clearly more relevant old one', async () => {
      const { store, clock } = await open();
      const workspaceId = freshWorkspace();
      await store.addTrace({ workspaceId, trace: { task: 'old', outcome: 'success', createdAt: clock.iso(-365), memories: [LESSONS.clock] } });
      await store.addTrace({
        workspaceId,
        trace: { task: 'new', outcome: 'failure', memories: [{ ...LESSONS.orderBy, errorContext: { ...ERROR_CONTEXT, errorType: 'UnorderedRows' } }] },
      });
      const ranked = await store.retrieve({ workspaceId, query: LESSONS.clock.description, k: 2, minScore: 0 });
      expect(ranked.map((r) => r.memory.title)).toEqual([LESSONS.clock.title, LESSONS.orderBy.title]);
      expect(ranked[1]!.components).toMatchObject({ errorBoost: 1 });
      expect(ranked[0]!.components.recency).toBeLessThanOrEqual(0.01);
      // The rule itself: the bonus of recency and the failure boost never exceeds the tie margin.
      for (const r of ranked) expect(r.score - r.components.relevance).toBeLessThanOrEqual(DEFAULT_TIE_MARGIN + 1e-9);
    }, timeout);

    it('lets recency and the failure boost decide between equally relevant memories', async () => {
      const { store, clock } = await open();
      const workspaceId = freshWorkspace();
      const { memoryIds: [old] } = await store.addTrace({ workspaceId, trace: { task: 'a', outcome: 'success', createdAt: clock.iso(-200), memories: [LESSONS.clock] } });
      const { memoryIds: [recent] } = await store.addTrace({ workspaceId, trace: { task: 'b', outcome: 'success', memories: [LESSONS.clock] } });
      const { memoryIds: [failure] } = await store.addTrace({
        workspaceId,
        trace: { task: 'c', outcome: 'failure', createdAt: clock.iso(-200), memories: [{ ...LESSONS.clock, errorContext: UNRELATED_ERROR }] },
      });
      const ranked = await store.retrieve({ workspaceId, query: 'flaky test that waits for real time', k: 3, minScore: 0 });
      // Same text (the error context shares no word with the query): the same relevance; the failure-derived one
      // carries the error boost, the recent one recency, which weighs more.
      expect(new Set(ranked.map((r) => r.components.relevance.toFixed(5))).size).toBe(1);
      expect(ranked.map((r) => r.memory.id)).toEqual([recent, failure, old]);
    }, timeout);

    it('filters by outcome, domain and tags', async () => {
      const { store } = await open();
      const workspaceId = freshWorkspace();
      await store.addTrace({ workspaceId, trace: { task: 'a', outcome: 'failure', domain: 'testing', memories: [{ ...LESSONS.clock, tags: ['jest'] }] } });
      await store.addTrace({ workspaceId, trace: { task: 'b', outcome: 'success', domain: 'sql', memories: [{ ...LESSONS.orderBy, tags: ['postgres'] }] } });
      const titles = async (extra: object) =>
        (await store.retrieve({ workspaceId, query: 'flaky test waiting for time and SQL row order', k: 5, minScore: 0, ...extra })).map((r) => r.memory.title).sort();
      expect(await titles({})).toEqual([LESSONS.clock.title, LESSONS.orderBy.title].sort());
      expect(await titles({ includeFailures: false })).toEqual([LESSONS.orderBy.title]);
      expect(await titles({ domain: 'testing' })).toEqual([LESSONS.clock.title]);
      expect(await titles({ tags: ['postgres', 'mysql'] })).toEqual([LESSONS.orderBy.title]);
      expect(await titles({ domain: 'sql', tags: ['jest'] })).toEqual([]);
    }, timeout);
  });
}
