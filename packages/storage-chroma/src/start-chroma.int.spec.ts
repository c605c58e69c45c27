import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChroma, type ChromaServer } from './start-chroma.js';
import { StorageError } from './errors.js';

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

  it('starts on a free port, answers its heartbeat, and stops cleanly', async () => {
    server = await startChroma({ path: join(dir, 'a') });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${server.url}/api/v2/heartbeat`)).ok).toBe(true);

    const taken = startChroma({ path: join(dir, 'b'), port: server.port });
    await expect(taken).rejects.toThrow(StorageError);
    await expect(taken).rejects.toMatchObject({ code: 'SERVER_START_FAILED', message: expect.stringMatching(/port \d+ is taken/) });

    await server.stop();
    await server.stop();
    await expect(fetch(`${server.url}/api/v2/heartbeat`)).rejects.toThrow();
    server = undefined;
  });

  it('rejects bad options naming the field', async () => {
    await expect(startChroma({ path: dir, port: 70000 })).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'port' });
    await expect(startChroma({ path: '' })).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'path' });
  });

  it('reports a server that cannot start, with its output', async () => {
    const failing = startChroma({ path: dir, cliPath: join(dir, 'missing-cli.mjs') });
    await expect(failing).rejects.toMatchObject({ code: 'SERVER_START_FAILED', message: expect.stringMatching(/Chroma exited at start \(code 1/) });
  });
});
