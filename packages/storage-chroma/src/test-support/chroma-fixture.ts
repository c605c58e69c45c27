import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
// examples/basic.mjs imports @rb/embed-batch lazily because it is optional there; tests always have it.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { createEmbedder, type Embedder } from '@rb/embed-batch';
import type { MemoryEmbedder } from '@rb/memory';
import type { ChromaServer } from '../chroma-supervisor.js';
import { startChroma } from '../start-chroma.js';
import { startChromaProxy, type ChromaProxy } from './chroma-proxy.js';

/** A real Chroma server in a temp folder, for one test file; `stop()` ends it and removes the folder. */
export async function startTestChroma(): Promise<{ server: ChromaServer; dir: string; stop(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'rb-chroma-test-'));
  const server = await startChroma({ path: join(dir, 'data') });
  return {
    server,
    dir,
    async stop() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export const MODEL_DIR = process.env['RB_MODEL_DIR'] ?? resolve(__dirname, '../../../../.models');

/** The real all-MiniLM-L6-v2 (fetched by `npm ci`), loaded at first use; `dispose()` frees it. */
export function lazyMiniLM(): MemoryEmbedder & { dispose(): Promise<void> } {
  let loading: Promise<Embedder> | undefined;
  const load = () => (loading ??= createEmbedder({ modelDir: MODEL_DIR, threads: 1 }));
  return {
    model: 'onnx-community/all-MiniLM-L6-v2-ONNX',
    dimension: 384,
    generateBatch: async (texts) => (await load()).generateBatch(texts),
    dispose: async () => {
      if (loading) await (await loading).dispose();
    },
  };
}

/** What {@link useChromaTestBed} gives a test file. */
export interface ChromaTestBed {
  /** The real Chroma server (started in `beforeAll`). */
  readonly chroma: Awaited<ReturnType<typeof startTestChroma>>;
  /** A recording, fault-injecting proxy in front of it. */
  readonly proxy: ChromaProxy;
  /** Closes `store` after the current test. */
  track<T extends { close(): Promise<void> }>(store: T): T;
}

/**
 * For a test file: a real Chroma and a proxy in front of it, started before its tests and stopped after them; stores
 * given to `track` are closed after each test, so a failing test leaves no store open.
 */
export function useChromaTestBed(): ChromaTestBed {
  let chroma: ChromaTestBed['chroma'] | undefined;
  let proxy: ChromaProxy | undefined;
  const open: { close(): Promise<void> }[] = [];
  beforeAll(async () => {
    chroma = await startTestChroma();
    proxy = await startChromaProxy(chroma.server.url);
  }, 60_000);
  afterEach(async () => {
    await Promise.all(open.splice(0).map((store) => store.close()));
  });
  afterAll(async () => {
    await proxy?.close();
    await chroma?.stop();
  }, 60_000);
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the Chroma test bed is used before its beforeAll ran');
    return value;
  };
  return {
    get chroma() {
      return started(chroma);
    },
    get proxy() {
      return started(proxy);
    },
    track(store) {
      open.push(store);
      return store;
    },
  };
}
