import { mkdirSync, openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../errors.js';

/** A held lock on a data folder; `release()` removes it (also done at process exit). */
export interface DataDirLock {
  readonly path: string;
  release(): void;
}

/**
 * One process owns a data folder's embedded Chroma: two Chroma servers persisting to one folder corrupt it. The lock
 * is a file created exclusively, holding the owner's pid; a lock left by a process that no longer runs (kill -9) is
 * taken over.
 */
export function lockDataDir(dataDir: string, description: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, 'rb.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = readOwner(path);
      if (owner !== undefined && owner.pid !== process.pid && isRunning(owner.pid)) {
        throw new AppError({
          code: 'DATA_DIR_LOCKED',
          field: 'RB_DATA_DIR',
          message:
            `the data folder ${dataDir} is in use by process ${owner.pid} (${owner.description}). Connect to that server ` +
            '(e.g. over HTTP), or give this one another RB_DATA_DIR, or point it at a shared Chroma server with CHROMA_URL.',
        });
      }
      rmSync(path, { force: true }); // stale: its owner is gone
      continue;
    }
    writeSync(fd, JSON.stringify({ pid: process.pid, description, since: new Date().toISOString() }));
    closeSync(fd);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      process.removeListener('exit', release);
      const owner = readOwner(path);
      if (owner?.pid === process.pid) rmSync(path, { force: true });
    };
    process.once('exit', release);
    return { path, release };
  }
  throw new AppError({ code: 'DATA_DIR_LOCKED', field: 'RB_DATA_DIR', message: `could not lock ${dataDir}: another process keeps taking it` });
}

function readOwner(path: string): { pid: number; description: string } | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as { pid?: unknown; description?: unknown };
    return typeof parsed.pid === 'number' ? { pid: parsed.pid, description: String(parsed.description ?? '') } : undefined;
  } catch {
    return undefined; // unreadable or half-written: treated as stale
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
