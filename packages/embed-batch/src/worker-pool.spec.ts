import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbedError } from './errors.js';
import { WorkerPool, type WorkerModel } from './worker-pool.js';

// The pool against a scripted worker process (test/scripted-worker.mjs): the real protocol and real process deaths,
// driven by the texts. Lifecycle with the real model is in lifecycle.spec.ts.
const SCRIPTED = join(__dirname, '..', 'test', 'scripted-worker.mjs');

let dir: string;
let pools: WorkerPool[];
const model = (name = 'scripted'): WorkerModel => ({
  model: name,
  modelDir: dir,
  dtype: 'q4',
  threads: 1,
  spinning: false,
  allowRemoteModels: false,
  remoteHost: 'https://huggingface.co/',
});
const start = async (size: number, options: { model?: string; loadTimeoutMs?: number; preflight?: () => void } = {}) => {
  const pool = await WorkerPool.start(size, model(options.model), {
    loadTimeoutMs: options.loadTimeoutMs ?? 20_000,
    preflight: options.preflight,
    workerPath: SCRIPTED,
  });
  pools.push(pool);
  return pool;
};
const embedTexts = async (pool: WorkerPool, texts: string[]) => pool.embed(await pool.tokenize(texts));
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rb-pool-'));
  pools = [];
});
afterEach(async () => {
  await Promise.all(pools.map((p) => p.close()));
  rmSync(dir, { recursive: true, force: true });
});

describe('WorkerPool', () => {
  it('runs tokenize and embed jobs on its workers and reports the dimension they loaded', async () => {
    const pool = await start(2);
    expect(pool.dimension).toBe(3);
    expect(pool.size).toBe(2);
    expect(Array.from(await embedTexts(pool, ['ab', 'xyz']))).toEqual([2, 97, 1, 3, 120, 1]);
  });

  it('retries the job of a worker that died once on a replacement, and is whole again afterwards', async () => {
    const pool = await start(1);
    const [crashOnce] = await pool.tokenize(['#crash once']);

    // One worker: the retry can only have run on its replacement.
    await expect(pool.embed([crashOnce!])).resolves.toEqual(Float32Array.of(11, 35, 1));
    expect(pool.size).toBe(1);
    expect(Array.from(await embedTexts(pool, ['ok']))).toEqual([2, 111, 1]);
  });

  it('answers a token-vectors job with one array for the batch and each text its pieces, retried once on a crash', async () => {
    const pool = await start(1);
    const [crashOnce, short] = await pool.tokenize(['[#x]', '[]']);

    const { data, pieces } = await pool.tokenVectors([crashOnce!, short!]);
    expect(pieces).toEqual([['#', 'x'], []]);
    expect(Array.from(data)).toEqual([35, 0, 1, 120, 1, 1]);
    expect(existsSync(join(dir, 'crashed-once'))).toBe(true); // it did die once, and the retry answered
    expect(pool.size).toBe(1);
  });

  it('fails a job whose worker died twice with a retryable INFERENCE_FAILED, and keeps serving others', async () => {
    const pool = await start(1);
    const [poison, fine] = await pool.tokenize(['!always', 'fine']);

    const [failed, served] = await Promise.allSettled([pool.embed([poison!]), pool.embed([fine!])]);
    expect(failed.status).toBe('rejected');
    const error = (failed as PromiseRejectedResult).reason as EmbedError;
    expect(EmbedError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'INFERENCE_FAILED', isRetryable: true });
    expect(error.message).toMatch(/died twice running this batch \(last: exit code 70\)/);
    expect(served).toEqual({ status: 'fulfilled', value: Float32Array.of(4, 102, 1) });
  });

  it('fails waiting jobs when no worker is left and none can start, then starts one for the next job', async () => {
    let broken = false;
    const pool = await start(1, {
      preflight: () => {
        if (broken) throw new Error('model files are gone');
      },
    });
    const [poison] = await pool.tokenize(['!dies']);
    broken = true;

    const error = await pool.embed([poison!]).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INFERENCE_FAILED', isRetryable: true });
    expect((error as Error).message).toMatch(/no embedding worker is left: .*model files are gone/);

    broken = false;
    expect(Array.from(await embedTexts(pool, ['ok']))).toEqual([2, 111, 1]);
  });

  it('gives up on a worker that does not load within loadTimeoutMs, and ends its process', async () => {
    const before = new Set(childPids());
    const error = await start(1, { model: 'never-ready', loadTimeoutMs: 300 }).catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'MODEL_LOAD_TIMEOUT', isRetryable: true });
    expect(childPids().filter((pid) => !before.has(pid) && alive(pid))).toEqual([]);
  });

  it('reports a worker that cannot load as MODEL_LOAD_FAILED with its reason', async () => {
    await expect(start(2, { model: 'load-fails' })).rejects.toMatchObject({
      code: 'MODEL_LOAD_FAILED',
      message: expect.stringContaining('scripted load failure'),
    });
  });

  it('rejects queued and running jobs with DISPOSED on close, and later ones too', async () => {
    const pool = await start(1);
    const rows = await pool.tokenize(['a', 'b', 'c']);
    const running = rows.map((row) => pool.embed([row]).catch((e: unknown) => (e as EmbedError).code));

    await pool.close();
    expect(await Promise.all(running)).toEqual(['DISPOSED', 'DISPOSED', 'DISPOSED']);
    await expect(pool.tokenize(['d'])).rejects.toMatchObject({ code: 'DISPOSED' });
  });
});

/** This process's child processes (Linux /proc), to check that none is left behind. */
function childPids(): number[] {
  const { readdirSync, readFileSync } = jest.requireActual<typeof import('node:fs')>('node:fs');
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[1] === String(process.pid);
      } catch {
        return false;
      }
    })
    .map(Number);
}
