import type { MemoryItem } from '../memory-item.js';
import type { SuiteEnv } from './suite-env.js';
import { ERROR_CONTEXT, expectMemoryError, freshWorkspace, LESSONS } from './suite-helpers.js';

/** Round trip, ids and dates, idempotent retries, bad input, failed writes, reads after writes, close. */
export function contractTests({ g, open, options, timeout }: SuiteEnv): void {
  const { it, expect, describe } = g;

  describe('round trip', () => {
    it('stores a trace with its memories and reads them back as written', async () => {
      const { store, clock } = await open();
      const workspaceId = freshWorkspace();
      const { traceId, memoryIds } = await store.addTrace({
        workspaceId,
        trace: {
          task: 'Make the flaky date test deterministic',
          outcome: 'failure',
          domain: 'testing',
          trajectory: [{ kind: 'think', output: 'sleep longer', score: 0.2, feedback: 'still flaky' }],
          judgeVerdict: 'failure',
          judgeReasoning: 'The test still depends on wall time.',
          tokenUsage: { input: 120, output: 40 },
          timings: [{ name: 'generate', ms: 1200 }],
          memories: [
            { ...LESSONS.clock, errorContext: ERROR_CONTEXT, tags: ['jest', 'time'], difficulty: 'moderate' },
            { ...LESSONS.orderBy, domain: 'sql' },
          ],
        },
      });
      expect(memoryIds).toHaveLength(2);
      const [clockLesson, orderLesson] = await store.getMemories({ workspaceId, ids: memoryIds });
      expect(clockLesson).toEqual({
        ...LESSONS.clock,
        errorContext: ERROR_CONTEXT,
        tags: ['jest', 'time'],
        difficulty: 'moderate',
        id: memoryIds[0],
        domain: 'testing',
        createdAt: clock.iso(),
        traceId,
        workspaceId,
        outcome: 'failure',
      });
      expect(orderLesson).toMatchObject({ domain: 'sql', traceId, workspaceId, outcome: 'failure' });
      const trace = await store.getTrace({ workspaceId, id: traceId });
      expect(trace).toMatchObject({
        id: traceId,
        workspaceId,
        task: 'Make the flaky date test deterministic',
        createdAt: clock.iso(),
        extractedMemoryIds: memoryIds,
        timings: [{ name: 'generate', ms: 1200 }],
      });
      expect(await store.getMemory({ workspaceId, id: memoryIds[0]! })).toEqual(clockLesson);
      expect(await store.getMemory({ workspaceId, id: 'no-such-id' })).toBeUndefined();
    }, timeout);

    it('gives time-ordered ids, keeps caller ids, and stores a retried call once', async () => {
      const { store } = await open();
      const workspaceId = freshWorkspace();
      const first = await store.addTrace({ workspaceId, trace: { task: 'a', outcome: 'success', memories: [LESSONS.clock] } });
      const second = await store.addTrace({ workspaceId, trace: { task: 'b', outcome: 'success', memories: [LESSONS.orderBy] } });
      expect([first.traceId, second.traceId].sort()).toEqual([first.traceId, second.traceId]);
      expect(first.traceId).not.toBe(second.traceId);
      const request = { workspaceId, trace: { id: 'trace-1', task: 'c', outcome: 'success' as const, memories: [{ ...LESSONS.gitRebase, id: 'mem-1' }] } };
      expect(await store.addTrace(request)).toEqual({ traceId: 'trace-1', memoryIds: ['mem-1'] });
      expect(await store.addTrace(request)).toEqual({ traceId: 'trace-1', memoryIds: ['mem-1'] });
      const stats = await store.getStatistics({ workspaceId });
      expect({ memories: stats.memories, traces: stats.traces }).toEqual({ memories: 3, traces: 3 });
    }, timeout);

    it('embeds a trace and its memories in one model call', async () => {
      const { store, embedder } = await open();
      const calls = (embedder as { calls?: number[] }).calls;
      if (!calls) return; // only the suite's own embedder counts its calls
      const before = calls.length;
      await store.addTrace({ workspaceId: freshWorkspace(), trace: { task: 't', outcome: 'success', memories: [LESSONS.clock, LESSONS.orderBy] } });
      expect(calls.slice(before)).toEqual([3]);
    }, timeout);
  });

  describe('bad input', () => {
    const ws = 'suite-bad-input';
    const cases: [string, (s: import('../memory-store.js').MemoryStore) => Promise<unknown>, string][] = [
      ['a NUL in a workspace id', (s) => s.retrieve({ workspaceId: 'a\u0000b', query: 'q' }), 'workspaceId'],
      ['a control character in a memory id', (s) => s.getMemory({ workspaceId: ws, id: 'a\u0007b' }), 'id'],
      ['a lone surrogate in an id', (s) => s.getMemories({ workspaceId: ws, ids: ['ok', 'x\ud800'] }), 'ids[1]'],
      ['a lone surrogate in a domain', (s) => s.retrieve({ workspaceId: ws, query: 'q', domain: 'py\udc00' }), 'domain'],
      ['a short title', (s) => s.addTrace({ workspaceId: ws, trace: { task: 't', outcome: 'success', memories: [LESSONS.clock, { ...LESSONS.orderBy, title: 'x' }] } }), 'trace.memories[1].title'],
      ['an unknown field', (s) => s.addTrace({ workspaceId: ws, trace: { task: 't', outcome: 'success', junk: 'x'.repeat(100_000) } as never }), 'trace.junk'],
      ['an unknown outcome', (s) => s.addTrace({ workspaceId: ws, trace: { task: 't', outcome: 'great' as never } }), 'trace.outcome'],
      ['a repeated memory id', (s) => s.addTrace({ workspaceId: ws, trace: { task: 't', outcome: 'success', memories: [{ ...LESSONS.clock, id: 'm' }, { ...LESSONS.orderBy, id: 'm' }] } }), 'trace.memories[1].id'],
      ['k of 0', (s) => s.retrieve({ workspaceId: ws, query: 'q', k: 0 }), 'k'],
      ['an empty query', (s) => s.retrieve({ workspaceId: ws, query: '   ' }), 'query'],
      ['minScore above 1', (s) => s.retrieve({ workspaceId: ws, query: 'q', minScore: 2 }), 'minScore'],
      ['an empty patch', (s) => s.updateMemory({ workspaceId: ws, id: 'm', patch: {} }), 'patch'],
      ['a negative retention', (s) => s.deleteOlderThan({ workspaceId: ws, olderThanDays: -1 }), 'olderThanDays'],
      ['a forged cursor', (s) => s.listTraces({ workspaceId: ws, cursor: 'bm90LWEtY3Vyc29y' }), 'cursor'],
      ['a missing request', (s) => s.getStatistics(undefined as never), 'input'],
    ];
    for (const [name, call, field] of cases) {
      it(`refuses ${name}, naming ${field}, and writes nothing`, async () => {
        const { store } = await open();
        await expectMemoryError(expect, call(store), 'INVALID_INPUT', field);
        expect(await store.listWorkspaces()).not.toContain(ws);
      }, timeout);
    }
  });

  describe('a write that fails leaves nothing visible', () => {
    it('when the model fails or returns a wrong dimension', async () => {
      const { store, embedder } = await open();
      const failNext = (embedder as { failNext?: (f?: Error | 'bad-dimension') => void }).failNext;
      if (!failNext) return; // only the suite's own embedder can be made to fail
      const workspaceId = freshWorkspace();
      const request = { workspaceId, trace: { task: 'Flaky test', outcome: 'success' as const, memories: [LESSONS.clock] } };
      failNext.call(embedder, new Error('model crashed'));
      await expectMemoryError(expect, store.addTrace(request), 'EMBEDDING_FAILED');
      failNext.call(embedder, 'bad-dimension');
      await expectMemoryError(expect, store.addTrace(request), 'MODEL_MISMATCH');
      expect(await store.listWorkspaces()).not.toContain(workspaceId);
      expect(await store.retrieve({ workspaceId, query: LESSONS.clock.description, minScore: 0 })).toEqual([]);
      expect((await store.getStatistics({ workspaceId })).memories).toBe(0);
    }, timeout);

    it('when the backend fails mid-call', async () => {
      if (!options.breakBackend) return;
      const { store } = await open();
      const workspaceId = freshWorkspace();
      await store.addTrace({ workspaceId, trace: { task: 'first', outcome: 'success', memories: [LESSONS.orderBy] } });
      const repair = await options.breakBackend(store);
      let failed = false;
      try {
        await store.addTrace({ workspaceId, trace: { id: 'broken', task: 'Flaky test', outcome: 'success', memories: [{ ...LESSONS.clock, id: 'lost' }] } });
      } catch {
        failed = true; // any error is right here; what matters is what is visible afterwards
      }
      await repair();
      expect(failed).toBe(true);
      expect(await store.getMemory({ workspaceId, id: 'lost' })).toBeUndefined();
      expect(await store.getTrace({ workspaceId, id: 'broken' })).toBeUndefined();
      const found = await store.retrieve({ workspaceId, query: LESSONS.clock.description, k: 5, minScore: 0 });
      expect(found.map((r) => r.memory.id)).not.toContain('lost');
    }, timeout);
  });

  describe('reads after acknowledged writes', () => {
    it('never return a deleted memory or the old version of an updated one', async () => {
      const { store, clock } = await open();
      const workspaceId = freshWorkspace();
      const { memoryIds } = await store.addTrace({ workspaceId, trace: { task: 't', outcome: 'success', memories: [LESSONS.clock, LESSONS.orderBy, LESSONS.gitRebase] } });
      const [clockId, orderId, rebaseId] = memoryIds as [string, string, string];
      // Warm whatever the store caches.
      for (let i = 0; i < 2; i++) {
        await store.retrieve({ workspaceId, query: LESSONS.clock.description, k: 3, minScore: 0 });
        await store.getMemories({ workspaceId, ids: memoryIds });
      }
      // A read in flight while the delete runs may see either state; reads after it must not see the memory.
      const racing = store.retrieve({ workspaceId, query: LESSONS.clock.description, k: 3, minScore: 0 });
      expect(await store.deleteMemories({ workspaceId, ids: [clockId, 'missing'] })).toEqual({ deleted: [clockId], notFound: ['missing'] });
      await racing;
      expect(await store.getMemory({ workspaceId, id: clockId })).toBeUndefined();
      const afterDelete = await store.retrieve({ workspaceId, query: LESSONS.clock.description, k: 3, minScore: 0 });
      expect(afterDelete.map((r) => r.memory.id)).not.toContain(clockId);

      clock.advanceDays(1);
      const updated: MemoryItem = await store.updateMemory({
        workspaceId,
        id: orderId,
        patch: { ...LESSONS.dockerCache, domain: 'docker', tags: null },
      });
      expect(updated).toMatchObject({ ...LESSONS.dockerCache, id: orderId, domain: 'docker', updatedAt: clock.iso() });
      expect(await store.getMemory({ workspaceId, id: orderId })).toEqual(updated);
      const byNewText = await store.retrieve({ workspaceId, query: LESSONS.dockerCache.description, k: 1 });
      expect(byNewText.map((r) => r.memory)).toEqual([updated]);
      const byOldText = await store.retrieve({ workspaceId, query: LESSONS.orderBy.description, k: 3, minScore: 0 });
      for (const result of byOldText) expect(result.memory.title).not.toBe(LESSONS.orderBy.title);
      expect((await store.getMemory({ workspaceId, id: rebaseId }))?.title).toBe(LESSONS.gitRebase.title);
      await expectMemoryError(expect, store.updateMemory({ workspaceId, id: clockId, patch: { title: 'Gone for good' } }), 'NOT_FOUND', 'id');
    }, timeout);
  });

  describe('close', () => {
    it('refuses every call after close() with CLOSED, and closing twice is harmless', async () => {
      const { store } = await open();
      await store.close();
      await store.close();
      await expectMemoryError(expect, store.retrieve({ workspaceId: 'w', query: 'q' }), 'CLOSED');
      await expectMemoryError(expect, store.addTrace({ workspaceId: 'w', trace: { task: 't', outcome: 'success' } }), 'CLOSED');
      await expectMemoryError(expect, store.listWorkspaces(), 'CLOSED');
      await expectMemoryError(expect, store.health(), 'CLOSED');
    }, timeout);
  });
}
