import { execFile, execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// Lifecycle scenarios run in a child Node process each, as a user's program runs the package: plain ESM (the sources
// compiled by SWC into a scratch folder under <repo>/tmp, beside a copy of worker/), the real workers and the real
// all-MiniLM-L6-v2. A child is what shows whether the process exits, and everything it prints.
const PACKAGE = join(__dirname, '..');
const REPO = join(PACKAGE, '..', '..');
const MODEL_DIR = process.env['RB_MODEL_DIR'] ?? join(REPO, '.models');
let scratch: string;

beforeAll(() => {
  mkdirSync(join(REPO, 'tmp'), { recursive: true });
  scratch = mkdtempSync(join(REPO, 'tmp', 'embed-batch-lifecycle-'));
  execFileSync(process.execPath, [join(REPO, 'tools', 'jest', 'compile-sources.cjs'), join(PACKAGE, 'src'), join(scratch, 'dist')], { cwd: REPO });
  cpSync(join(PACKAGE, 'worker'), join(scratch, 'worker'), { recursive: true });
  writeFileSync(join(scratch, 'package.json'), JSON.stringify({ type: 'module' }));
  expect(readdirSync(join(scratch, 'dist'))).toContain('index.js');
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const CHILD_DEADLINE_MS = 90_000;

/**
 * Runs `body` as an ES module in a child process, as `node --input-type=module -e` (a flag workers must not inherit),
 * and returns what it printed and how it ended. A child still running at the deadline is killed and reported.
 */
async function runChild(body: string) {
  const script = `
    import { createEmbedder, EmbedError } from ${JSON.stringify(join(scratch, 'dist', 'index.js'))};
    import { execFileSync } from 'node:child_process';
    import { cpSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
    import { tmpdir } from 'node:os';
    import { join } from 'node:path';
    const modelDir = ${JSON.stringify(MODEL_DIR)};
    // This process's children but ps itself: the embedder's worker processes (named MainThread by Node 24).
    const workerPids = () => execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' })
      .split('\\n').map((line) => line.trim().split(/\\s+/)).filter(([pid, comm]) => Number(pid) > 0 && comm !== 'ps').map(([pid]) => Number(pid));
    const texts = (n, tag) => Array.from({ length: n }, (_, i) =>
      tag + ' memory ' + i + ' ' + 'retrieve the lesson that fits the task '.repeat(1 + (i % 7)));
    const report = (value) => process.stdout.write('RESULT ' + JSON.stringify(value) + '\\n');
    ${body}`;
  const child = await new Promise<{ status: number | null; signal: string | null; stdout: string; stderr: string }>(
    (resolve) => {
      execFile(
        process.execPath,
        ['--input-type=module', '-e', script],
        { cwd: scratch, encoding: 'utf8', timeout: CHILD_DEADLINE_MS, killSignal: 'SIGKILL' },
        (error, stdout, stderr) =>
          resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, signal: error?.signal ?? null, stdout, stderr }),
      );
    },
  );
  const lines = child.stdout.split('\n').filter(Boolean);
  const results = lines.filter((l) => l.startsWith('RESULT ')).map((l) => JSON.parse(l.slice(7)) as Record<string, unknown>);
  return { status: child.status, signal: child.signal, results, stray: lines.filter((l) => !l.startsWith('RESULT ')), stderr: child.stderr };
}

jest.setTimeout(CHILD_DEADLINE_MS + 10_000);

describe('embedder lifecycle, in a real child process', () => {
  it('lets the process exit when the caller never disposes (idle workers do not hold it)', async () => {
    const child = await runChild(`
      const embedder = await createEmbedder({ modelDir, workers: 2 });
      const vectors = await embedder.generateBatch(texts(20, 'exit'));
      report({ vectors: vectors.length, workers: embedder.workers, pids: workerPids() });`);

    expect(child.signal).toBeNull(); // not killed at the deadline
    expect(child.status).toBe(0);
    expect(child.results).toEqual([{ vectors: 20, workers: 2, pids: expect.any(Array) }]);
    await expectGone(child.results[0]!['pids'] as number[]);
  });

  it('resolves dispose() of an idle embedder awaited at top level, and ends its workers', async () => {
    const child = await runChild(`
      const embedder = await createEmbedder({ modelDir, workers: 1 });
      await embedder.generateBatch(texts(3, 'idle'));
      const pids = workerPids();
      await embedder.dispose();
      report({ pids, left: workerPids() });`);

    expect(child.status).toBe(0); // 13 would mean the process ended with dispose() still pending
    expect(child.results).toEqual([{ pids: [expect.any(Number)], left: [] }]);
  });

  it('replaces a worker killed mid-batch and retries its batch, with the same vectors', async () => {
    const child = await runChild(`
      const embedder = await createEmbedder({ modelDir, workers: 2, cache: false });
      let killed;
      const input = texts(40, 'crash');
      const vectors = await embedder.generateBatch(input, {
        batchSize: 4,
        onProgress: ({ done }) => {
          if (done > 0 && !killed) process.kill((killed = workerPids()[0]), 'SIGKILL');
        },
      });
      const again = await embedder.generateBatch(input);
      const cosine = (a, b) => a.reduce((s, x, i) => s + x * b[i], 0);
      const pids = workerPids();
      report({ replaced: !pids.includes(killed) && pids.length === 2, vectors: vectors.length,
        minCosine: Math.min(...vectors.map((v, i) => cosine(v, again[i]))) });
      await embedder.dispose();`);

    expect(child.stderr).toBe('');
    expect(child.results).toHaveLength(1);
    expect(child.results[0]).toMatchObject({ replaced: true, vectors: 40 });
    expect(child.results[0]!['minCosine']).toBeGreaterThan(0.9999);
  });

  it('replaces a worker killed during generateTokenVectors, and the call still answers with the same rows', async () => {
    const child = await runChild(`
      const embedder = await createEmbedder({ modelDir, workers: 2 });
      let killed;
      const input = texts(40, 'tokens');
      const results = await embedder.generateTokenVectors(input, {
        batchSize: 4,
        onProgress: ({ done }) => {
          if (done > 0 && !killed) process.kill((killed = workerPids()[0]), 'SIGKILL');
        },
      });
      const again = await embedder.generateTokenVectors(input);
      const pids = workerPids();
      report({ replaced: typeof killed === 'number' && !pids.includes(killed) && pids.length === 2, results: results.length,
        samePieces: results.every((r, i) => r.pieces.join(' ') === again[i].pieces.join(' ')),
        maxDiff: results.reduce((worst, r, i) => r.vectors.reduce((w, x, k) => Math.max(w, Math.abs(x - again[i].vectors[k])), worst), 0) });
      await embedder.dispose();`);

    expect(child.stderr).toBe('');
    expect(child.results).toHaveLength(1);
    expect(child.results[0]).toMatchObject({ replaced: true, results: 40, samePieces: true });
    expect(child.results[0]!['maxDiff']).toBeLessThan(1e-4);
  });

  it('fails waiting calls when a killed worker cannot be replaced (model files gone), then recovers', async () => {
    const child = await runChild(`
      const own = mkdtempSync(join(tmpdir(), 'rb-lifecycle-model-'));
      cpSync(modelDir, own, { recursive: true, dereference: true });
      const embedder = await createEmbedder({ modelDir: own, workers: 1, cache: false });
      renameSync(own, own + '.away');
      let killed = false;
      const error = await embedder.generateBatch(texts(24, 'gone'), {
        batchSize: 4,
        onProgress: ({ done }) => {
          if (done > 0 && !killed) (killed = true), process.kill(workerPids()[0], 'SIGKILL');
        },
      }).catch((e) => e);
      renameSync(own + '.away', own);
      const after = await embedder.generateBatch(texts(5, 'back'));
      report({ code: error.code, isRetryable: error.isRetryable, message: error.message, after: after.length });
      await embedder.dispose();
      rmSync(own, { recursive: true, force: true });`);

    expect(child.stderr).toBe('');
    expect(child.results).toHaveLength(1);
    expect(child.results[0]).toMatchObject({ code: 'INFERENCE_FAILED', isRetryable: true, after: 5 });
    expect(child.results[0]!['message']).toMatch(/no embedding worker is left: .*npx rb-fetch-model/);
  });

  it('rejects a generateBatch running when dispose() is called with DISPOSED, prints nothing, ends the workers', async () => {
    const child = await runChild(`
      const embedder = await createEmbedder({ modelDir, workers: 2 });
      const pids = workerPids();
      let disposing;
      const error = await embedder.generateBatch(texts(60, 'dispose'), {
        batchSize: 4,
        onProgress: ({ done }) => {
          if (done > 0) disposing ??= embedder.dispose();
        },
      }).catch((e) => e);
      await disposing;
      const later = await embedder.embed('after dispose').catch((e) => e.code);
      report({ isEmbedError: EmbedError.isInstance(error), code: error.code, later, pids, left: workerPids() });`);

    expect(child.status).toBe(0);
    expect(child.results).toEqual([
      { isEmbedError: true, code: 'DISPOSED', later: 'DISPOSED', pids: expect.any(Array), left: [] },
    ]);
    // transformers.js prints a batch's token ids when a disposed session is run: nothing of the kind may show.
    expect(child.stray).toEqual([]);
    expect(child.stderr).toBe('');
  });

  it('rejects a generateTokenVectors running when dispose() is called with DISPOSED, and ends the workers', async () => {
    const child = await runChild(`
      const embedder = await createEmbedder({ modelDir, workers: 2 });
      let disposing;
      const error = await embedder.generateTokenVectors(texts(60, 'dispose-tokens'), {
        batchSize: 4,
        onProgress: ({ done }) => {
          if (done > 0) disposing ??= embedder.dispose();
        },
      }).catch((e) => e);
      await disposing;
      const later = await embedder.generateTokenVectors(['after dispose']).catch((e) => e.code);
      report({ isEmbedError: EmbedError.isInstance(error), code: error.code, later, left: workerPids() });`);

    expect(child.status).toBe(0);
    expect(child.results).toEqual([{ isEmbedError: true, code: 'DISPOSED', later: 'DISPOSED', left: [] }]);
    expect(child.stray).toEqual([]);
    expect(child.stderr).toBe('');
  });

  it('exits cleanly on process.exit() in the middle of a batch', async () => {
    const child = await runChild(`
      const embedder = await createEmbedder({ modelDir, workers: 2 });
      report({ pids: workerPids() });
      await embedder.generateBatch(texts(60, 'exit-now'), {
        batchSize: 4,
        onProgress: ({ done }) => done > 0 && process.exit(0),
      });`);

    expect(child).toMatchObject({ status: 0, signal: null, stderr: '', stray: [] });
    await expectGone(child.results[0]!['pids'] as number[]);
  });

  it('leaves no worker behind when its parent is killed with SIGKILL mid-batch', async () => {
    const child = await runChild(`
      const embedder = await createEmbedder({ modelDir, workers: 2 });
      report({ pids: workerPids() });
      await embedder.generateBatch(texts(60, 'orphan'), {
        batchSize: 4,
        onProgress: ({ done }) => done > 0 && process.kill(process.pid, 'SIGKILL'),
      });`);

    expect(child.signal).toBe('SIGKILL');
    const [{ pids }] = child.results as [{ pids: number[] }];
    expect(pids).toHaveLength(2);
    await expectGone(pids);
  });
});

/** Waits, up to a deadline, for every process in `pids` to have ended. */
async function expectGone(pids: number[], deadlineMs = 20_000): Promise<void> {
  const alive = () => pids.filter((pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  });
  const until = Date.now() + deadlineMs;
  while (alive().length > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(alive()).toEqual([]);
}
