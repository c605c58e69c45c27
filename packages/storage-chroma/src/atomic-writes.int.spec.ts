import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { MemoryItem, Trace } from '@rb/memory';
import { createTestEmbedder } from '@rb/memory/testing';
import { ChromaMemoryStore } from './chroma-memory-store.js';
import type { SeenRequest } from './test-support/chroma-proxy.js';
import { useChromaTestBed } from './test-support/chroma-fixture.js';
import { compilePackage } from './test-support/compiled-package.js';
import { LESSONS, rejection, traceOf } from './test-support/lessons.js';
import { rawChroma } from './test-support/raw-chroma.js';

const embedder = createTestEmbedder();
const bed = useChromaTestBed();
const open = async (prefix: string) => {
  const store = await ChromaMemoryStore.open({ url: bed.proxy.url, embedder, collectionPrefix: prefix });
  return bed.track(store);
};

// The requests of one addTrace, told apart by what they carry.
const isJournal = (r: SeenRequest) => r.path.endsWith('/upsert') && r.body.includes('"kind":"journal"');
const isTraceUpsert = (r: SeenRequest) => r.path.endsWith('/upsert') && r.body.includes('extractedMemoryIds') && !r.body.includes('"kind"');
const isMemoryUpsert = (r: SeenRequest) => r.path.endsWith('/upsert') && r.body.includes('\\"description\\"') && !r.body.includes('"kind"');
const isJournalEnd = (r: SeenRequest) => r.path.endsWith('/delete') && r.body.includes('"j.');


/** Every memory and trace of a workspace, read around the caches. */
async function contents(store: ChromaMemoryStore, workspaceId: string) {
  const memories: MemoryItem[] = [];
  const traces: Trace[] = [];
  for (const [kind, out] of [['memories', memories], ['traces', traces]] as const) {
    let cursor: string | undefined;
    do {
      const request = { workspaceId, limit: 500, withVectors: false, ...(cursor ? { cursor } : {}) };
      const page = kind === 'memories' ? await store.chroma.scanMemories(request) : await store.chroma.scanTraces(request);
      (out as unknown[]).push(...page.rows.map((row) => row.record));
      cursor = page.nextCursor;
    } while (cursor);
  }
  return { memories, traces };
}

/** Memories whose trace is missing, and traces whose memories are missing. */
function orphans({ memories, traces }: { memories: MemoryItem[]; traces: Trace[] }) {
  const traceIds = new Set(traces.map((t) => t.id));
  const memoryIds = new Set(memories.map((m) => m.id));
  return {
    memories: memories.filter((m) => !traceIds.has(m.traceId)).length,
    traces: traces.filter((t) => t.extractedMemoryIds.some((id) => !memoryIds.has(id))).length,
  };
}

describe('addTrace is all or nothing', () => {
  it('leaves nothing visible when Chroma refuses the memories after taking the trace', async () => {
    const store = await open('refused');
    await store.addTrace(traceOf('w', [LESSONS.sort])); // the workspace exists
    const removeRule = bed.proxy.rule({ match: isMemoryUpsert, fail: 500, once: true });
    const error = await rejection(store.addTrace(traceOf('w', [{ ...LESSONS.pages, id: 'm-pages' }], { id: 't-pages' })));
    removeRule();
    expect(error).toMatchObject({ code: 'BACKEND_ERROR' });
    expect(await store.getTrace({ workspaceId: 'w', id: 't-pages' })).toBeUndefined();
    expect(await store.getMemories({ workspaceId: 'w', ids: ['m-pages'] })).toEqual([undefined]);
    expect((await store.listTraces({ workspaceId: 'w' })).traces).toHaveLength(1);
    expect(orphans(await contents(store, 'w'))).toEqual({ memories: 0, traces: 0 });
    expect((await rawChroma(bed.chroma.server.url, 'refused')).journals).toBe(0);
  });

  it('keeps the earlier version of a retried trace when the retry fails', async () => {
    const store = await open('retried');
    const request = traceOf('w', [{ ...LESSONS.schema, id: 'm-schema' }], { id: 't-schema' });
    await store.addTrace(request);
    const before = { trace: await store.getTrace({ workspaceId: 'w', id: 't-schema' }), memory: await store.getMemory({ workspaceId: 'w', id: 'm-schema' }) };
    const removeRule = bed.proxy.rule({ match: isMemoryUpsert, fail: 503, once: true });
    const changed = traceOf('w', [{ ...LESSONS.schema, id: 'm-schema', title: 'A changed title for the SQL lesson' }], { id: 't-schema', task: 'A changed task' });
    expect(await rejection(store.addTrace(changed))).toMatchObject({ code: 'BACKEND_UNAVAILABLE', isRetryable: true });
    removeRule();
    const fresh = await ChromaMemoryStore.open({ url: bed.proxy.url, embedder, collectionPrefix: 'retried', enableMemoryCache: false });
    bed.track(fresh);
    for (const reader of [store, fresh]) {
      expect(await reader.getTrace({ workspaceId: 'w', id: 't-schema' })).toEqual(before.trace);
      expect(await reader.getMemory({ workspaceId: 'w', id: 'm-schema' })).toEqual(before.memory);
    }
  });

  describe('a writer killed with SIGKILL mid-write', () => {
    let compiled: ReturnType<typeof compilePackage>;
    beforeAll(() => {
      compiled = compilePackage();
    });
    afterAll(() => compiled.dispose());

    /** Runs a process that adds traces of three memories in a loop; kills it at the second request `killAt` matches. */
    async function killWriter(killAt: (request: SeenRequest) => boolean) {
      const script = `
        import { ChromaMemoryStore } from ${JSON.stringify(join(compiled.dir, 'dist', 'chroma-memory-store.js'))};
        import { createTestEmbedder } from '@rb/memory/testing';
        const store = await ChromaMemoryStore.open({ url: ${JSON.stringify(bed.proxy.url)}, embedder: createTestEmbedder(), collectionPrefix: 'killed' });
        process.stdout.write('ready\\n');
        for (let i = 0; ; i++) {
          const memory = (n) => ({ title: 'Lesson ' + n + ' of run ' + i, description: 'Use when step ' + n + ' of a task fails.', content: 'Check the inputs of step ' + n + ' before retrying it, and log what changed in run ' + i + '.' });
          await store.addTrace({ workspaceId: 'w', trace: { task: 'Task ' + i + ' of writer ' + process.pid, outcome: 'success', memories: [memory(1), memory(2), memory(3)] } });
        }`;
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: compiled.dir, stdio: ['ignore', 'pipe', 'inherit'] });
      const exited = new Promise<string | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
      for await (const line of createInterface({ input: child.stdout! })) if (line === 'ready') break;
      let matches = 0;
      const stop = bed.proxy.onRequest((request) => {
        if (killAt(request) && ++matches === 2) child.kill('SIGKILL');
      });
      const signal = await exited;
      stop();
      await bed.proxy.idle(); // what the writer had sent still lands, as it would on a real server
      return signal;
    }

    it.each([
      ['its journal', isJournal],
      ['its trace', isTraceUpsert],
      ['its memories', isMemoryUpsert],
      ['the end of its journal', isJournalEnd],
    ])('is repaired when a store opens: killed while sending %s, no orphan memory or trace stays', async (_name, killAt) => {
      const rounds = 3;
      for (let round = 0; round < rounds; round++) {
        expect(await killWriter(killAt)).toBe('SIGKILL');
        const store = await open('killed');
        expect(orphans(await contents(store, 'w'))).toEqual({ memories: 0, traces: 0 });
        expect((await rawChroma(bed.chroma.server.url, 'killed')).journals).toBe(0);
        await store.close();
      }
    }, 120_000);

    it('leaves a half-written trace before the repair (the test reaches the failure it guards against)', async () => {
      expect(await killWriter(isTraceUpsert)).toBe('SIGKILL');
      const before = await rawChroma(bed.chroma.server.url, 'killed');
      expect(before.journals).toBe(1);
      const store = await open('killed');
      expect((await rawChroma(bed.chroma.server.url, 'killed')).journals).toBe(0);
      expect(orphans(await contents(store, 'w'))).toEqual({ memories: 0, traces: 0 });
    }, 60_000);
  });
});
