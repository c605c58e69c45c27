import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { MemoryError } from '@rb/memory';
import { createTestEmbedder } from '@rb/memory/testing';
import { ChromaMemoryStore } from './chroma-memory-store.js';
import type { ChromaServer } from './chroma-supervisor.js';
import { startChroma } from './start-chroma.js';
import type { ChromaServerEvent } from './start-chroma-options.js';
import { LESSONS, traceOf } from './test-support/lessons.js';
import { compilePackage } from './test-support/compiled-package.js';
import { isGone, waitUntilGone } from './test-support/processes.js';

const answers = async (url: string) => {
  try {
    return (await fetch(`${url}/api/v2/heartbeat`, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
};

describe('startChroma (real server)', () => {
  let dir: string;
  let server: ChromaServer | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rb-chroma-start-'));
  });
  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('starts on a free port, answers its heartbeat, refuses a taken port, and stops cleanly', async () => {
    server = await startChroma({ path: join(dir, 'a') });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await answers(server.url)).toBe(true);

    const taken = startChroma({ path: join(dir, 'b'), port: server.port });
    await expect(taken).rejects.toThrow(MemoryError);
    await expect(taken).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE', message: expect.stringMatching(/port \d+ is taken/) });

    await server.stop();
    await server.stop();
    expect(await answers(server.url)).toBe(false);
    expect(isGone(server.pid)).toBe(true);
    server = undefined;
  });

  it('starts a server killed with SIGKILL again on the same URL, where a store carries on with its data', async () => {
    const events: ChromaServerEvent[] = [];
    let restarted!: () => void;
    const wasRestarted = new Promise<void>((resolve) => (restarted = resolve));
    server = await startChroma({
      path: join(dir, 'restarted'),
      onEvent: (event) => {
        events.push(event);
        if (event.type === 'restarted') restarted();
      },
    });
    const store = await ChromaMemoryStore.open({ url: server.url, embedder: createTestEmbedder(), collectionPrefix: 'restart', enableMemoryCache: false });
    try {
      const { traceId } = await store.addTrace(traceOf('w', [LESSONS.sort]));
      const killed = server.pid;
      process.kill(killed, 'SIGKILL');
      await wasRestarted;

      expect(isGone(killed)).toBe(true);
      expect(server.pid).not.toBe(killed);
      expect(events.map((event) => event.type)).toEqual(['exited', 'restarted']);
      expect(events[0]).toMatchObject({ signal: 'SIGKILL' });
      expect(await store.getTrace({ workspaceId: 'w', id: traceId })).toMatchObject({ id: traceId });
      const [best] = await store.retrieve({ workspaceId: 'w', query: 'how do I order a python list', minScore: 0 });
      expect(best?.memory.title).toBe(LESSONS.sort.title);
    } finally {
      await store.close();
    }
    const current = server.pid;
    await server.stop();
    server = undefined;
    expect(await waitUntilGone(current, 5000)).toBe(true);
    expect(events.map((event) => event.type)).toEqual(['exited', 'restarted']); // stop() is no crash
  }, 60_000);

  it('leaves a killed server down with maxRestarts: 0, and says so', async () => {
    const events: ChromaServerEvent[] = [];
    server = await startChroma({ path: join(dir, 'not-restarted'), maxRestarts: 0, onEvent: (event) => events.push(event) });
    process.kill(server.pid, 'SIGKILL');
    expect(await waitUntilGone(server.pid, 5000)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1000)); // longer than the first restart's back-off
    expect(await answers(server.url)).toBe(false);
    expect(events).toEqual([{ type: 'exited', code: null, signal: 'SIGKILL' }]);
    await server.stop();
    server = undefined;
  }, 30_000);

  it('rejects bad options naming the field', async () => {
    await expect(startChroma({ path: dir, port: 70000 })).rejects.toMatchObject({ code: 'INVALID_OPTIONS', field: 'port' });
    await expect(startChroma({ path: '' })).rejects.toMatchObject({ code: 'INVALID_OPTIONS', field: 'path' });
    await expect(startChroma({ path: dir, dataDir: 'x' } as never)).rejects.toMatchObject({ code: 'INVALID_OPTIONS', field: 'dataDir' });
    await expect(startChroma({ path: dir, logLevel: 'warn\nINJECTED=1' })).rejects.toMatchObject({ code: 'INVALID_OPTIONS', field: 'logLevel' });
    await expect(startChroma(undefined as never)).rejects.toMatchObject({ code: 'INVALID_OPTIONS', field: 'path' });
    await expect(startChroma({ path: dir, maxRestarts: -1 })).rejects.toMatchObject({ code: 'INVALID_OPTIONS', field: 'maxRestarts' });
    await expect(startChroma({ path: dir, onEvent: 'log' as never })).rejects.toMatchObject({ code: 'INVALID_OPTIONS', field: 'onEvent' });
  });

  it('reports a data path that is a file as a bad option, not a raw EEXIST', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, 'not a folder');
    await expect(startChroma({ path: file })).rejects.toMatchObject({ code: 'INVALID_OPTIONS', field: 'path' });
    await expect(startChroma({ path: join(file, 'below') })).rejects.toMatchObject({ code: 'INVALID_OPTIONS', field: 'path' });
  });

  it('reports a host that does not resolve as a bad option, not a raw ENOTFOUND', async () => {
    const failing = startChroma({ path: join(dir, 'c'), host: 'no-such-host.invalid' });
    await expect(failing).rejects.toMatchObject({ code: 'INVALID_OPTIONS', field: 'host', message: expect.stringContaining('does not resolve') });
    await expect(startChroma({ path: join(dir, 'c'), host: 'no-such-host.invalid', port: 8000 })).rejects.toMatchObject({
      code: 'INVALID_OPTIONS',
      field: 'host',
    });
  });

  it('reports a server that cannot start, with its output', async () => {
    const failing = startChroma({ path: dir, cliPath: join(dir, 'missing-cli.mjs') });
    await expect(failing).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE', message: expect.stringMatching(/Chroma exited at start \(code 1/) });
  });
});

describe('startChroma in a real parent process', () => {
  let compiled: ReturnType<typeof compilePackage>;
  let dir: string;

  beforeAll(async () => {
    compiled = compilePackage();
    dir = await mkdtemp(join(tmpdir(), 'rb-chroma-parent-'));
  });
  afterAll(async () => {
    compiled.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  /** Starts a Node program that starts Chroma and prints the server's pid and url; `stay` keeps it running. */
  async function parentProcess(name: string, stay: boolean) {
    const script = `
      import { startChroma } from ${JSON.stringify(join(compiled.dir, 'dist', 'start-chroma.js'))};
      const server = await startChroma({ path: ${JSON.stringify(join(dir, name))} });
      process.stdout.write(JSON.stringify({ pid: server.pid, url: server.url }) + '\\n');
      ${stay ? 'setInterval(() => {}, 60_000);' : ''}`;
    const parent = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: compiled.dir, stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<{ code: number | null; signal: string | null }>((done) => parent.once('exit', (code, signal) => done({ code, signal })));
    const [line] = await Promise.race([
      (async () => {
        for await (const l of createInterface({ input: parent.stdout! })) return [l];
        return [undefined];
      })(),
      exited.then(() => [undefined]),
    ]);
    if (line === undefined) throw new Error('the parent exited before Chroma started');
    return { parent, exited, server: JSON.parse(line) as { pid: number; url: string } };
  }

  it.each(['SIGKILL', 'SIGTERM', 'SIGINT', 'SIGHUP'] as const)(
    'takes the server down when the parent gets %s (no orphan holding the data folder)',
    async (signal) => {
      const { parent, exited, server } = await parentProcess(signal, true);
      expect(await answers(server.url)).toBe(true);
      parent.kill(signal);
      expect(await exited).toMatchObject({ signal });
      try {
        expect(await waitUntilGone(server.pid, 10_000)).toBe(true);
        expect(await answers(server.url)).toBe(false);
      } finally {
        if (!isGone(server.pid)) process.kill(server.pid, 'SIGKILL');
      }
    },
    30_000,
  );

  it('does not keep a finished program alive, and the server ends with it', async () => {
    const { exited, server } = await parentProcess('idle', false);
    try {
      expect(await exited).toEqual({ code: 0, signal: null });
      expect(await waitUntilGone(server.pid, 10_000)).toBe(true);
    } finally {
      if (!isGone(server.pid)) process.kill(server.pid, 'SIGKILL');
    }
  }, 30_000);
});
