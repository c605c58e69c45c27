import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MemoryStore } from '../memory-store.js';
import type { SuiteEnv } from './suite-env.js';
import { craftBackup, ERROR_CONTEXT, expectMemoryError, freshWorkspace, LESSONS, snapshot, tempDir } from './suite-helpers.js';

async function seed(store: MemoryStore, workspaceId: string) {
  const first = await store.addTrace({
    workspaceId,
    trace: { task: 'Fix the flaky test', outcome: 'failure', domain: 'testing', memories: [{ ...LESSONS.clock, errorContext: ERROR_CONTEXT, tags: ['jest'] }] },
  });
  const second = await store.addTrace({
    workspaceId,
    trace: { task: 'Paginate the report', outcome: 'success', memories: [LESSONS.orderBy, { ...LESSONS.gitRebase, parentId: first.memoryIds[0]! }] },
  });
  return [...first.memoryIds, ...second.memoryIds];
}

/** Backup -> wipe -> restore equality; corrupt, truncated, foreign and crafted backups refused with nothing written. */
export function backupTests({ g, open, timeout }: SuiteEnv): void {
  const { it, expect, describe } = g;

  describe('backup and restore', () => {
    it('restores exactly what was backed up, after the workspace was wiped, and into another workspace', async () => {
      const { store } = await open();
      const dir = await tempDir();
      try {
        const workspaceId = freshWorkspace();
        const ids = await seed(store, workspaceId);
        const before = await snapshot(store, workspaceId, ids);
        const query = { workspaceId, query: LESSONS.clock.description, k: 3, minScore: 0 };
        const retrievedBefore = await store.retrieve(query);
        const progress: string[] = [];
        const manifest = await store.backup({ workspaceId, dir: join(dir.path, 'b'), onProgress: (p) => progress.push(p.phase) });
        expect(manifest).toMatchObject({ format: 'rb-memory-backup', schemaVersion: 1, workspaceId, counts: { memories: 3, traces: 2 } });
        expect(progress).toContain('backup memories');
        expect(await store.verifyBackup({ dir: join(dir.path, 'b') })).toEqual(manifest);
        await store.deleteWorkspace({ workspaceId });
        expect(await store.restore({ dir: join(dir.path, 'b') })).toEqual({ workspaceId, memories: 3, traces: 2 });
        expect(await snapshot(store, workspaceId, ids)).toEqual(before);
        expect(await store.retrieve(query)).toEqual(retrievedBefore);

        const copy = freshWorkspace('copy');
        await store.restore({ dir: join(dir.path, 'b'), workspaceId: copy });
        const copied = await snapshot(store, copy, ids);
        expect(copied.memories.map((m) => m?.workspaceId)).toEqual([copy, copy, copy]);
        expect(copied.memories.map((m) => ({ ...m, workspaceId }))).toEqual(before.memories);
      } finally {
        await dir.remove();
      }
    }, timeout);

    it('merges by default and replaces on request, all or nothing', async () => {
      const { store } = await open();
      const dir = await tempDir();
      try {
        const workspaceId = freshWorkspace();
        const ids = await seed(store, workspaceId);
        await store.backup({ workspaceId, dir: dir.path });
        await store.deleteMemories({ workspaceId, ids: [ids[0]!] });
        const later = await store.addTrace({ workspaceId, trace: { task: 'later', outcome: 'success', memories: [LESSONS.dockerCache] } });
        await store.restore({ dir: dir.path });
        expect((await store.getMemories({ workspaceId, ids: [ids[0]!, later.memoryIds[0]!] })).map((m) => m?.title)).toEqual([LESSONS.clock.title, LESSONS.dockerCache.title]);
        await store.restore({ dir: dir.path, mode: 'replace' });
        expect(await store.getMemory({ workspaceId, id: later.memoryIds[0]! })).toBeUndefined();
        expect((await store.getStatistics({ workspaceId })).memories).toBe(3);
      } finally {
        await dir.remove();
      }
    }, timeout);

    const refusals: [string, (dir: string) => Promise<void>][] = [
      ['a byte flipped', async (dir) => {
        const name = (await readdir(dir)).find((f) => f.startsWith('memories'))!;
        const body = await readFile(join(dir, name), 'utf8');
        await writeFile(join(dir, name), body.replace('Inject', 'Infect'));
      }],
      ['a truncated file', async (dir) => {
        const name = (await readdir(dir)).find((f) => f.startsWith('memories'))!;
        const body = await readFile(join(dir, name), 'utf8');
        await writeFile(join(dir, name), body.slice(0, body.length - 40));
      }],
      ['a foreign manifest', async (dir) => writeFile(join(dir, 'manifest.json'), JSON.stringify({ format: 'something-else', version: 3 }))],
      ['a manifest naming a file outside the folder', async (dir) => {
        const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
        manifest.files.memories.name = '../../etc/passwd';
        await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
      }],
      ['a non-JSON line (checksums rewritten)', (dir) => craftBackup(dir, 'memories', (lines) => [...lines.slice(0, -1), '{"id": "x", "rec']) ],
      ['a record of another workspace (checksums rewritten)', (dir) =>
        craftBackup(dir, 'memories', (lines) => lines.map((line, i) => (i === 1 ? line.replace(/"workspaceId":"[^"]*"/, '"workspaceId":"victim"') : line)))],
      ['a row id that differs from its record id', (dir) => craftBackup(dir, 'memories', (lines) => lines.map((line, i) => (i === 2 ? line.replace(/^\{"id":"[^"]*"/, '{"id":"other"') : line)))],
      ['a vector of the wrong length', (dir) => craftBackup(dir, 'memories', (lines) => lines.map((line, i) => (i === 2 ? line.replace(/"embedding":\[[^,\]]*,/, '"embedding":[') : line)))],
      ['a record without createdAt', (dir) => craftBackup(dir, 'traces', (lines) => lines.map((line, i) => (i === 1 ? line.replace(/"createdAt":"[^"]*",?/, '') : line)))],
      ['an unknown field', (dir) => craftBackup(dir, 'traces', (lines) => lines.map((line, i) => (i === 1 ? line.replace('"record":{', '"record":{"junk":1,') : line)))],
    ];
    for (const [name, damage] of refusals) {
      it(`refuses a backup with ${name}, writing nothing`, async () => {
        const { store } = await open();
        const dir = await tempDir();
        try {
          const source = freshWorkspace('source');
          await seed(store, source);
          await store.backup({ workspaceId: source, dir: dir.path });
          await damage(dir.path);
          await expectMemoryError(expect, store.verifyBackup({ dir: dir.path }), 'BACKUP_INVALID');
          const target = freshWorkspace('target');
          const existing = await store.addTrace({ workspaceId: target, trace: { task: 'keep me', outcome: 'success', memories: [LESSONS.dockerCache] } });
          await expectMemoryError(expect, store.restore({ dir: dir.path, workspaceId: target, mode: 'replace' }), 'BACKUP_INVALID');
          const stats = await store.getStatistics({ workspaceId: target });
          expect({ memories: stats.memories, traces: stats.traces }).toEqual({ memories: 1, traces: 1 });
          expect(await store.getMemory({ workspaceId: target, id: existing.memoryIds[0]! })).toMatchObject({ title: LESSONS.dockerCache.title });
          expect(await store.listWorkspaces()).not.toContain('victim');
        } finally {
          await dir.remove();
        }
      }, timeout);
    }

    it('refuses a missing backup and a backup of another model', async () => {
      const { store } = await open();
      const dir = await tempDir();
      try {
        await expectMemoryError(expect, store.restore({ dir: join(dir.path, 'nothing-here') }), 'BACKUP_INVALID');
        const workspaceId = freshWorkspace();
        await seed(store, workspaceId);
        await store.backup({ workspaceId, dir: dir.path });
        const manifest = JSON.parse(await readFile(join(dir.path, 'manifest.json'), 'utf8'));
        await writeFile(join(dir.path, 'manifest.json'), JSON.stringify({ ...manifest, model: 'another/model' }));
        await expectMemoryError(expect, store.restore({ dir: dir.path }), 'MODEL_MISMATCH');
      } finally {
        await dir.remove();
      }
    }, timeout);

    it('writes a crafted backup into the restoring workspace only', async () => {
      const { store } = await open();
      const dir = await tempDir();
      try {
        const [attacker, victim] = [freshWorkspace('attacker'), freshWorkspace('victim')];
        await store.addTrace({ workspaceId: victim, trace: { id: 'vt', task: 'victim task', outcome: 'success', memories: [{ ...LESSONS.clock, id: 'target-id' }] } });
        await store.addTrace({ workspaceId: attacker, trace: { id: 'vt', task: 'attacker task', outcome: 'success', memories: [{ ...LESSONS.orderBy, id: 'target-id' }] } });
        await store.backup({ workspaceId: attacker, dir: dir.path });
        await store.restore({ dir: dir.path, workspaceId: attacker });
        expect(await store.getMemory({ workspaceId: victim, id: 'target-id' })).toMatchObject({ title: LESSONS.clock.title, workspaceId: victim });
        expect(await store.getTrace({ workspaceId: victim, id: 'vt' })).toMatchObject({ task: 'victim task' });
      } finally {
        await dir.remove();
      }
    }, timeout);

    it('keeps the earlier backup when a new one fails', async () => {
      const { store } = await open();
      const dir = await tempDir();
      try {
        const workspaceId = freshWorkspace();
        await seed(store, workspaceId);
        const first = await store.backup({ workspaceId, dir: dir.path });
        await store.addTrace({ workspaceId, trace: { task: 'more', outcome: 'success', memories: [LESSONS.dockerCache] } });
        const controller = new AbortController();
        controller.abort(new Error('stop'));
        await expectMemoryError(expect, store.backup({ workspaceId, dir: dir.path, signal: controller.signal }), 'ABORTED');
        expect(await store.verifyBackup({ dir: dir.path })).toEqual(first);
        await mkdir(join(dir.path, 'file-parent'));
        await writeFile(join(dir.path, 'file-parent', 'not-a-dir'), 'x');
        await expectMemoryError(expect, store.backup({ workspaceId, dir: join(dir.path, 'file-parent', 'not-a-dir') }), 'IO_ERROR', 'dir');
        const second = await store.backup({ workspaceId, dir: dir.path });
        expect(second.counts).toEqual({ memories: 4, traces: 3 });
        expect((await readdir(dir.path)).sort()).toEqual(['file-parent', 'manifest.json', second.files.memories.name, second.files.traces.name].sort());
      } finally {
        await dir.remove();
      }
    }, timeout);
  });
}
