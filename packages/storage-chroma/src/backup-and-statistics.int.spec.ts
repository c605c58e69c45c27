import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackupManifest } from '@rb/memory';
import { createTestEmbedder } from '@rb/memory/testing';
import { ChromaMemoryStore } from './chroma-memory-store.js';
import { useChromaTestBed } from './test-support/chroma-fixture.js';
import { LESSONS, rejection, traceOf } from './test-support/lessons.js';
import { rawChroma } from './test-support/raw-chroma.js';

const embedder = createTestEmbedder();
const bed = useChromaTestBed();
const open = async (prefix: string) => {
  const store = await ChromaMemoryStore.open({ url: bed.proxy.url, embedder, collectionPrefix: prefix });
  return bed.track(store);
};
const scratch = () => mkdtemp(join(bed.chroma.dir, 'backup-'));

/** Rewrites a backup's memories file with `edit(lines)` and fixes the manifest, as someone crafting a backup would. */
async function craft(dir: string, edit: (lines: string[]) => string[]): Promise<void> {
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as BackupManifest;
  const file = join(dir, manifest.files.memories.name);
  const lines = edit((await readFile(file, 'utf8')).split('\n').filter(Boolean));
  const body = lines.map((line) => `${line}\n`).join('');
  await writeFile(file, body);
  manifest.files.memories = { ...manifest.files.memories, sha256: createHash('sha256').update(body).digest('hex'), bytes: Buffer.byteLength(body) };
  manifest.counts.memories = lines.length;
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
}

jest.setTimeout(60_000);

describe('restore', () => {
  it('writes only the restoring workspace, even when the backup holds an id another workspace uses', async () => {
    const store = await open('owner');
    await store.addTrace(traceOf('victim', [{ ...LESSONS.sort, id: 'taken-id', title: "The victim's lesson" }]));
    const seen = async () =>
      (await store.retrieve({ workspaceId: 'victim', query: LESSONS.sort.content, minScore: 0 })).map((r) => [r.memory.title, r.components.similarity]);
    const cachedBefore = await seen();
    await store.addTrace(traceOf('attacker', [{ ...LESSONS.sort, id: 'taken-id', title: "The attacker's lesson" }]));
    const dir = await scratch();
    await store.backup({ workspaceId: 'attacker', dir });
    await store.restore({ dir });
    // A backup edited to claim the victim's workspace is refused, not written anywhere.
    await craft(dir, (lines) => lines.map((line) => line.replace('"workspaceId":"attacker"', '"workspaceId":"victim"')));
    expect(await rejection(store.restore({ dir }))).toMatchObject({ code: 'BACKUP_INVALID' });
    await rm(dir, { recursive: true, force: true });

    expect((await store.getMemory({ workspaceId: 'victim', id: 'taken-id' }))?.title).toBe("The victim's lesson");
    expect(await seen()).toEqual(cachedBefore);
    expect((await store.getMemory({ workspaceId: 'attacker', id: 'taken-id' }))?.title).toBe("The attacker's lesson");
  });

  it('refuses a backup with a bad record far into the file, writing nothing (no staging collection left)', async () => {
    const store = await open('validated');
    await store.addTrace(traceOf('w', [{ ...LESSONS.docker, id: 'only' }]));
    const dir = await scratch();
    await store.backup({ workspaceId: 'w', dir });
    const before = await rawChroma(bed.chroma.server.url, 'validated');
    // 1,200 valid rows, then one without createdAt: a restore that wrote as it read would leave 1,200 behind.
    await craft(dir, ([row]) => {
      const parsed = JSON.parse(row!) as { id: string; record: Record<string, unknown> };
      const copies = Array.from({ length: 1200 }, (_, i) => JSON.stringify({ ...parsed, id: `copy-${i}`, record: { ...parsed.record, id: `copy-${i}` } }));
      const { createdAt: _dropped, ...bad } = parsed.record;
      return [...copies, JSON.stringify({ ...parsed, id: 'bad', record: { ...bad, id: 'bad' } })];
    });
    expect(await rejection(store.restore({ dir, mode: 'replace' }))).toMatchObject({ code: 'BACKUP_INVALID' });
    await rm(dir, { recursive: true, force: true });
    expect(await store.getStatistics({ workspaceId: 'w' })).toMatchObject({ memories: 1, traces: 1 });
    expect(await rawChroma(bed.chroma.server.url, 'validated')).toEqual(before);
  });

  it('replaces the workspace all at once and drops what this store cached of it', async () => {
    const store = await open('replace');
    await store.addTrace(traceOf('w', [{ ...LESSONS.pages, id: 'old' }]));
    await store.addTrace(traceOf('other', [{ ...LESSONS.pages, id: 'new', title: 'Walk all result pages (restored)' }]));
    const query = LESSONS.pages.content;
    expect((await store.retrieve({ workspaceId: 'w', query }))[0]?.memory.id).toBe('old');
    const dir = await scratch();
    await store.backup({ workspaceId: 'other', dir });
    await store.restore({ dir, workspaceId: 'w', mode: 'replace' });
    await rm(dir, { recursive: true, force: true });
    expect((await store.retrieve({ workspaceId: 'w', query })).map((r) => r.memory.id)).toEqual(['new']);
    expect(await store.getMemory({ workspaceId: 'w', id: 'old' })).toBeUndefined();
    expect((await rawChroma(bed.chroma.server.url, 'replace')).collections).toHaveLength(5); // registry + 2 workspaces
  });
});

describe('backup', () => {
  it('keeps the earlier backup of a folder when Chroma fails in the middle of a new one', async () => {
    const store = await open('backup');
    await store.addTrace(traceOf('w', [{ ...LESSONS.schema, id: 'first' }]));
    const dir = await scratch();
    const first = await store.backup({ workspaceId: 'w', dir });
    await store.addTrace(traceOf('w', [{ ...LESSONS.docker, id: 'second' }]));
    let gets = 0;
    const removeRule = bed.proxy.rule({ match: (r) => r.path.endsWith('/get') && r.body.includes('"embeddings"') && ++gets === 2, fail: 500 });
    expect(await rejection(store.backup({ workspaceId: 'w', dir }))).toMatchObject({ code: 'BACKEND_ERROR' });
    removeRule();
    expect(await store.verifyBackup({ dir })).toEqual(first);
    await store.restore({ dir, workspaceId: 'restored' });
    expect(await store.getStatistics({ workspaceId: 'restored' })).toMatchObject({ memories: 1, traces: 1 });
    await rm(dir, { recursive: true, force: true });
  });
});

describe('statistics', () => {
  it('counts domains named __proto__, constructor and toString like any other', async () => {
    const store = await open('stats');
    const domains = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'python'];
    await store.addTrace(traceOf('w', domains.map((domain, i) => ({ ...LESSONS.sort, id: `m${i}`, domain }))));
    await store.addTrace(traceOf('w', [{ ...LESSONS.pages, id: 'm-extra', domain: '__proto__' }]));
    const statistics = await store.getStatistics({ workspaceId: 'w' });
    expect(statistics.memories).toBe(6);
    expect(new Map(statistics.memoriesByDomain)).toEqual(new Map([['__proto__', 2], ['constructor', 1], ['toString', 1], ['hasOwnProperty', 1], ['python', 1]]));
    expect(statistics.memoriesByDomain.reduce((sum, [, count]) => sum + count, 0)).toBe(6);
    expect(statistics.memoriesByDomain[0]).toEqual(['__proto__', 2]);
  });
});
