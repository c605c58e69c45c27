// The `rb` command line, built, on one data folder: ingest (checked in full first), retrieve, stats, backup and
// restore, learn without an LLM, doctor; results as JSON on stdout, and the documented exit codes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectHttp, runCli, serverEnv, startHttpServerProcess, tempDir, waitFor } from './harness.js';

// Results are JSON the assertions check field by field.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

let data: ReturnType<typeof tempDir>;
let env: Record<string, string>;
beforeAll(() => {
  data = tempDir();
  env = serverEnv(data.path, { RB_WORKSPACE: 'cli' });
  mkdirSync(join(data.path, 'files'));
});
afterAll(() => data.cleanup());

const file = (name: string, text: string) => {
  const path = join(data.path, 'files', name);
  writeFileSync(path, text);
  return path;
};
const memory = (title: string, content: string, extra: Json = {}) =>
  JSON.stringify({ title, description: `Use when ${title.toLowerCase()} matters.`, content, ...extra });
const rb = async (...args: string[]) => {
  const result = await runCli(args, env);
  return { ...result, json: result.code === 0 && args.includes('--json') ? (JSON.parse(result.stdout) as Json) : undefined };
};

it('refuses a file with bad lines (exit 2), naming each line, and writes none of it', async () => {
  const bad = file('bad.jsonl', [memory('A fine lesson title', 'A perfectly valid lesson content that is long enough.'), '{oops', memory('x', 'too short')].join('\n'));
  const result = await rb('ingest', bad, '--workspace', 'cli-bad');
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('line 2: not JSON');
  expect(result.stderr).toContain('line 3.title');
  // Nothing was written: the workspace list at the end of the next test has no trace of it.
}, 120_000);

it('ingests a JSON Lines file, retrieves from it, counts it, backs it up and restores it elsewhere', async () => {
  const lessons = file(
    'lessons.jsonl',
    [
      memory('Pin dependency versions', 'Pin exact versions in a lock file so that builds on other machines install the same code.'),
      memory('Retry only idempotent requests', 'Retry a failed request only when repeating it cannot apply it twice, or send an idempotency key.', { outcome: 'failure' }),
    ].join('\n'),
  );
  const ingested = await rb('ingest', lessons, '--json');
  expect(ingested.code).toBe(0);
  expect(ingested.json).toEqual({ workspace: 'cli', traces: 2, memories: 2 });

  const retrieved = await rb('retrieve', 'builds differ between machines because of dependency versions', '--json');
  expect(retrieved.code).toBe(0);
  expect(retrieved.json!['memories'][0].memory.title).toBe('Pin dependency versions');

  const backupDir = join(data.path, 'files', 'backup');
  expect((await rb('backup', backupDir, '--json')).json).toEqual(expect.objectContaining({ workspaceId: 'cli', counts: { memories: 2, traces: 2 } }));
  const restored = await rb('restore', backupDir, '--workspace', 'cli-restored', '--json');
  expect(restored.json).toEqual({ workspaceId: 'cli-restored', memories: 2, traces: 2 });
  const stats = (await rb('stats', '--all', '--json')).json!['workspaces'] as Json[];
  expect(stats.map((w) => w['workspace'])).toEqual(['cli', 'cli-restored']);
  expect(stats[0]).toEqual(expect.objectContaining({ memories: 2, traces: 2, memoriesByOutcome: { success: 1, failure: 1, partial: 0 } }));
}, 240_000);

it('says what to configure when learn has no LLM (exit 3)', async () => {
  const trajectory = file('trajectory.json', JSON.stringify({ task: 'Fix a flaky test', trajectory: 'Found a race, added a lock.' }));
  const result = await rb('learn', trajectory);
  expect(result.code).toBe(3);
  expect(result.stderr).toContain('RB_LLM_BASE_URL');
});

it('exits 2 on a usage error', async () => {
  expect((await rb('retrieve')).code).toBe(2);
  expect((await rb('stats', '--no-such-flag')).code).toBe(2);
  expect((await rb('retrieve', 'x', '-k', '500')).code).toBe(2);
}, 120_000);

it('doctor checks the model, Chroma, the data folder, the port and the LLM', async () => {
  const result = await rb('doctor', '--port', '0', '--json');
  expect(result.code).toBe(0);
  const checks = Object.fromEntries((result.json!['checks'] as Json[]).map((c) => [c['name'], c]));
  expect(Object.keys(checks)).toEqual(['node', 'embedding model', 'glibc', 'chroma', 'data folder', 'http port', 'llm', 'telemetry']);
  expect(checks['embedding model']!['status']).toBe('ok');
  expect(checks['chroma']!['status']).toBe('ok');
  expect(checks['llm']).toEqual(expect.objectContaining({ status: 'warn', fix: expect.stringContaining('RB_LLM_BASE_URL') }));

  const broken = await runCli(['doctor', '--json'], { ...env, RB_MODEL_DIR: join(data.path, 'no-model-here') });
  expect(broken.code).toBe(3);
  const model = (JSON.parse(broken.stdout)['checks'] as Json[]).find((c) => c['name'] === 'embedding model')!;
  expect(model).toEqual(expect.objectContaining({ status: 'fail', fix: expect.stringContaining('fetch-model') }));
}, 120_000);

it('works next to a running server on the same data folder, through that server\'s Chroma', async () => {
  const server = await startHttpServerProcess(env);
  try {
    const client = await connectHttp(server.url);
    const stored = await client.callTool({
      name: 'store_memory',
      arguments: { workspace: 'shared', memory: JSON.parse(memory('Close files you open', 'Open files with a context manager so that they are closed even when an error is raised.')) },
    });
    expect(stored.isError).toBeFalsy();
    await client.close();
    const retrieved = await rb('retrieve', 'file handles leak when an exception happens', '--workspace', 'shared', '--json');
    expect(retrieved.code).toBe(0);
    expect(retrieved.json!['memories'][0].memory.title).toBe('Close files you open');

    // The server has this query's results cached; a write of the command line must still show in its next answer.
    const client2 = await connectHttp(server.url);
    const ask = async () => {
      const result = await client2.callTool({ name: 'search_knowledge', arguments: { workspace: 'shared', query: 'pooling database connections', min_score: 0 } });
      return ((result.structuredContent as Json)['memories'] as Json[]).map((m) => m['memory'].title as string);
    };
    expect(await ask()).toEqual(['Close files you open']);
    const pooling = file('pooling.jsonl', memory('Pool database connections', 'Open a pool of database connections once and borrow from it per request.'));
    expect((await rb('ingest', pooling, '--workspace', 'shared', '--json')).code).toBe(0);
    await waitFor('the server to see the ingested memory', async () => (await ask())[0] === 'Pool database connections', 15_000);
    await client2.close();
  } finally {
    expect(await server.stop()).toBe(0);
  }
}, 120_000);
