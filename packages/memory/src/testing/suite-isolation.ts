import type { SuiteEnv } from './suite-env.js';
import { expectMemoryError, freshWorkspace, LESSONS } from './suite-helpers.js';

/** Workspaces are isolated by construction: ids are scoped to their workspace. */
export function isolationTests({ g, open, timeout }: SuiteEnv): void {
  const { it, expect, describe } = g;

  describe('workspace isolation', () => {
    it("never shows one workspace's memories, traces or counts in another", async () => {
      const { store } = await open();
      const [a, b] = [freshWorkspace('a'), freshWorkspace('b')];
      const { traceId, memoryIds } = await store.addTrace({ workspaceId: a, trace: { task: 'Flaky test', outcome: 'success', memories: [LESSONS.clock] } });
      expect(await store.retrieve({ workspaceId: b, query: LESSONS.clock.description, k: 5, minScore: 0 })).toEqual([]);
      expect(await store.getMemories({ workspaceId: b, ids: memoryIds })).toEqual([undefined]);
      expect(await store.getTrace({ workspaceId: b, id: traceId })).toBeUndefined();
      expect(await store.getGenealogy({ workspaceId: b, id: memoryIds[0]! })).toBeUndefined();
      expect((await store.listTraces({ workspaceId: b })).traces).toEqual([]);
      expect((await store.getStatistics({ workspaceId: b })).memories).toBe(0);
      expect(await store.deleteMemories({ workspaceId: b, ids: memoryIds })).toEqual({ deleted: [], notFound: memoryIds });
      await expectMemoryError(expect, store.updateMemory({ workspaceId: b, id: memoryIds[0]!, patch: { title: 'Hijacked title' } }), 'NOT_FOUND', 'id');
      expect(await store.getMemory({ workspaceId: a, id: memoryIds[0]! })).toMatchObject({ title: LESSONS.clock.title, workspaceId: a });
      const workspaces = await store.listWorkspaces();
      expect(workspaces).toContain(a);
      expect(workspaces).not.toContain(b);
    }, timeout);

    it('keeps the same id in two workspaces as two independent records', async () => {
      const { store } = await open();
      const [a, b] = [freshWorkspace('a'), freshWorkspace('b')];
      const trace = (lesson: typeof LESSONS.clock) => ({ id: 'shared-trace', task: lesson.title, outcome: 'success' as const, memories: [{ ...lesson, id: 'shared' }] });
      await store.addTrace({ workspaceId: a, trace: trace(LESSONS.clock) });
      await store.addTrace({ workspaceId: b, trace: trace(LESSONS.orderBy) });
      expect(await store.getMemory({ workspaceId: a, id: 'shared' })).toMatchObject({ title: LESSONS.clock.title, workspaceId: a });
      expect(await store.getMemory({ workspaceId: b, id: 'shared' })).toMatchObject({ title: LESSONS.orderBy.title, workspaceId: b });
      await store.updateMemory({ workspaceId: b, id: 'shared', patch: { title: 'Changed only in b' } });
      expect((await store.getMemory({ workspaceId: a, id: 'shared' }))?.title).toBe(LESSONS.clock.title);
      await store.deleteMemories({ workspaceId: a, ids: ['shared'] });
      expect(await store.getMemory({ workspaceId: a, id: 'shared' })).toBeUndefined();
      expect((await store.getMemory({ workspaceId: b, id: 'shared' }))?.title).toBe('Changed only in b');
      expect(await store.getTrace({ workspaceId: b, id: 'shared-trace' })).toMatchObject({ task: LESSONS.orderBy.title, workspaceId: b });
    }, timeout);

    it('lets two workspaces racing to write one id both succeed, each seeing only its own', async () => {
      const { store } = await open();
      for (let round = 0; round < 10; round++) {
        const [a, b] = [freshWorkspace('a'), freshWorkspace('b')];
        const write = (workspaceId: string, lesson: typeof LESSONS.clock) =>
          store.addTrace({ workspaceId, trace: { id: `t${round}`, task: lesson.title, outcome: 'success', memories: [{ ...lesson, id: `m${round}` }] } });
        await Promise.all([write(a, LESSONS.clock), write(b, LESSONS.gitRebase)]);
        const [inA, inB] = await Promise.all([store.getMemory({ workspaceId: a, id: `m${round}` }), store.getMemory({ workspaceId: b, id: `m${round}` })]);
        expect([inA?.title, inA?.workspaceId, inB?.title, inB?.workspaceId]).toEqual([LESSONS.clock.title, a, LESSONS.gitRebase.title, b]);
        const found = await store.retrieve({ workspaceId: a, query: LESSONS.gitRebase.description, k: 5, minScore: 0 });
        for (const result of found) expect(result.memory.workspaceId).toBe(a);
      }
    }, timeout);

    it('treats prototype names as ordinary workspaces, domains and tags', async () => {
      const { store } = await open();
      const workspaceId = '__proto__';
      await store.deleteWorkspace({ workspaceId });
      await store.addTrace({
        workspaceId,
        trace: {
          task: 't',
          outcome: 'success',
          memories: [
            { ...LESSONS.clock, domain: '__proto__', tags: ['constructor'] },
            { ...LESSONS.orderBy, domain: 'constructor' },
            { ...LESSONS.gitRebase, domain: 'toString' },
            { ...LESSONS.dockerCache, domain: 'toString' },
          ],
        },
      });
      const stats = await store.getStatistics({ workspaceId });
      expect(stats.memoriesByDomain).toEqual([
        ['toString', 2],
        ['__proto__', 1],
        ['constructor', 1],
      ]);
      expect(stats.memories).toBe(4);
      const tagged = await store.retrieve({ workspaceId, query: LESSONS.clock.description, tags: ['constructor'], k: 5, minScore: 0 });
      expect(tagged.map((r) => r.memory.title)).toEqual([LESSONS.clock.title]);
      expect(await store.listWorkspaces()).toContain('__proto__');
      await store.deleteWorkspace({ workspaceId });
    }, timeout);
  });
}
