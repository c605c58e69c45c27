import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../errors.js';
import { lockDataDir, readOwner } from './data-dir-lock.js';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'rb-lock-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('lockDataDir', () => {
  it('records the owner and its Chroma URL, and removes the lock on release', () => {
    const lock = lockDataDir(dir, 'test owner');
    lock.publish('http://127.0.0.1:1234');
    expect(readOwner(lock.path)).toEqual({ pid: process.pid, description: 'test owner', chromaUrl: 'http://127.0.0.1:1234' });
    lock.release();
    expect(existsSync(lock.path)).toBe(false);
  });

  it('refuses a folder another running process owns, naming it', () => {
    // The parent of this test process is alive for the whole test.
    writeFileSync(join(dir, 'rb.lock'), JSON.stringify({ pid: process.ppid, description: 'rb serve --http' }));
    let error: unknown;
    try {
      lockDataDir(dir, 'second');
    } catch (e) {
      error = e;
    }
    expect(AppError.isInstance(error) && error.code).toBe('DATA_DIR_LOCKED');
    expect((error as Error).message).toContain(`process ${process.ppid} (rb serve --http)`);
  });

  it('takes over the lock of a process that is gone (killed with SIGKILL)', () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(join(dir, 'rb.lock'), JSON.stringify({ pid: Number(dead.stdout), description: 'gone' }));
    const lock = lockDataDir(dir, 'new owner');
    expect(JSON.parse(readFileSync(lock.path, 'utf8')).pid).toBe(process.pid);
    lock.release();
  });
});
