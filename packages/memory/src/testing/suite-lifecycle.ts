import type { SuiteEnv } from './suite-env.js';
import { freshWorkspace, LESSONS } from './suite-helpers.js';

/** Genealogy, retention, trace listing, workspaces. */
export function lifecycleTests({ g, open, timeout }: SuiteEnv): void {
  const { it, expect, describe } = g;

  describe('genealogy', () => {
    it('walks parents and children, nearest first, stops cycles, and says when maxDepth cut it', async () => {
      const { store } = await open();
      const workspaceId = freshWorkspace();
      const lesson = (id: string, extra: object = {}) => ({ ...LESSONS.clock, title: `Lesson ${id} of the chain`, id, ...extra });
      await store.addTrace({
        workspaceId,
        trace: {
          task: 't',
          outcome: 'success',
          memories: [
            lesson('root'),
            lesson('child', { parentId: 'root', evolutionStage: 1 }),
            lesson('grandchild', { parentId: 'child', evolutionStage: 2 }),
            lesson('merged', { derivedFrom: ['root', 'other'] }),
            lesson('other'),
            lesson('loop-a', { parentId: 'loop-b' }),
            lesson('loop-b', { parentId: 'loop-a' }),
          ],
        },
      });
      const child = await store.getGenealogy({ workspaceId, id: 'child' });
      expect(child?.ancestors.map((e) => [e.memory.id, e.depth])).toEqual([['root', 1]]);
      expect(child?.descendants.map((e) => [e.memory.id, e.depth])).toEqual([['grandchild', 1]]);
      expect(child?.truncated).toBe(false);
      const root = await store.getGenealogy({ workspaceId, id: 'root' });
      expect(root?.descendants.map((e) => [e.memory.id, e.depth]).sort()).toEqual([['child', 1], ['grandchild', 2], ['merged', 1]]);
      const shallow = await store.getGenealogy({ workspaceId, id: 'root', maxDepth: 1 });
      expect(shallow?.descendants.map((e) => e.memory.id).sort()).toEqual(['child', 'merged']);
      expect(shallow?.truncated).toBe(true);
      const loop = await store.getGenealogy({ workspaceId, id: 'loop-a' });
      expect(loop?.ancestors.map((e) => e.memory.id)).toEqual(['loop-b']);
      expect(loop?.descendants.map((e) => e.memory.id)).toEqual(['loop-b']);
      expect(await store.getGenealogy({ workspaceId, id: 'missing' })).toBeUndefined();
    }, timeout);
  });

  describe('retention', () => {
    it('deletes what is older than N days by the store clock, after a dry run that deletes nothing', async () => {
      const { store, clock } = await open();
      const workspaceId = freshWorkspace();
      const old = await store.addTrace({ workspaceId, trace: { task: 'old', outcome: 'success', memories: [LESSONS.clock] } });
      clock.advanceDays(40);
      const recent = await store.addTrace({ workspaceId, trace: { task: 'recent', outcome: 'success', memories: [LESSONS.orderBy] } });
      await store.retrieve({ workspaceId, query: LESSONS.clock.description, minScore: 0 });
      expect(await store.deleteOlderThan({ workspaceId, olderThanDays: 30, dryRun: true })).toEqual({ memories: 1, traces: 1, dryRun: true });
      expect(await store.getMemory({ workspaceId, id: old.memoryIds[0]! })).toMatchObject({ title: LESSONS.clock.title });
      expect(await store.deleteOlderThan({ workspaceId, olderThanDays: 30 })).toEqual({ memories: 1, traces: 1, dryRun: false });
      expect(await store.getMemory({ workspaceId, id: old.memoryIds[0]! })).toBeUndefined();
      expect(await store.getTrace({ workspaceId, id: old.traceId })).toBeUndefined();
      const found = await store.retrieve({ workspaceId, query: LESSONS.clock.description, k: 5, minScore: 0 });
      expect(found.map((r) => r.memory.id)).toEqual([recent.memoryIds[0]]);
      expect(await store.deleteOlderThan({ workspaceId, olderThanDays: 30 })).toEqual({ memories: 0, traces: 0, dryRun: false });
    }, timeout);
  });

  describe('traces and workspaces', () => {
    it('lists traces newest first, a page at a time, by outcome', async () => {
      const { store, clock } = await open();
      const workspaceId = freshWorkspace();
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) {
        clock.advanceDays(1);
        ids.push((await store.addTrace({ workspaceId, trace: { task: `task ${i}`, outcome: i % 2 === 0 ? 'success' : 'failure' } })).traceId);
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.listTraces({ workspaceId, limit: 3, ...(cursor ? { cursor } : {}) });
        expect(page.traces.length).toBeLessThanOrEqual(3);
        seen.push(...page.traces.map((t) => t.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual([...ids].reverse());
      const failures = await store.listTraces({ workspaceId, outcome: 'failure' });
      expect(failures.traces.map((t) => t.task)).toEqual(['task 5', 'task 3', 'task 1']);
      expect(failures.nextCursor).toBeUndefined();
    }, timeout);

    it('lists and deletes workspaces, with a dry run first', async () => {
      const { store } = await open();
      const workspaceId = freshWorkspace();
      await store.addTrace({ workspaceId, trace: { task: 't', outcome: 'success', memories: [LESSONS.clock, LESSONS.orderBy] } });
      expect(await store.listWorkspaces()).toContain(workspaceId);
      expect(await store.deleteWorkspace({ workspaceId, dryRun: true })).toEqual({ memories: 2, traces: 1, dryRun: true });
      expect(await store.listWorkspaces()).toContain(workspaceId);
      expect(await store.deleteWorkspace({ workspaceId })).toEqual({ memories: 2, traces: 1, dryRun: false });
      expect(await store.listWorkspaces()).not.toContain(workspaceId);
      expect(await store.retrieve({ workspaceId, query: LESSONS.clock.description, minScore: 0 })).toEqual([]);
      expect(await store.deleteWorkspace({ workspaceId })).toEqual({ memories: 0, traces: 0, dryRun: false });
      const health = await store.health();
      expect(health.ok).toBe(true);
    }, timeout);
  });
}
