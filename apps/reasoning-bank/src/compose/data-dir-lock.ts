import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../errors.js';

/** A held lock on a data folder; `release()` removes it (also done at process exit). */
export interface DataDirLock {
  readonly path: string;
  /** Records the embedded Chroma's URL in the lock, for `rb doctor` and the message another server shows. */
  publish(chromaUrl: string): void;
  release(): void;
}

/** What a lock file holds. */
export interface LockOwner {
  pid: number;
  description: string;
  chromaUrl?: string;
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
            `the data folder ${dataDir} is in use by process ${owner.pid} (${owner.description}): one server owns a ` +
            'data folder. Connect your client to that server (e.g. over HTTP), stop it first, or give this one another RB_DATA_DIR.',
        });
      }
      rmSync(path, { force: true }); // stale: its owner is gone
      continue;
    }
    const owner = { pid: process.pid, description, since: new Date().toISOString() };
    writeSync(fd, JSON.stringify(owner));
    closeSync(fd);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      process.removeListener('exit', release);
      if (readOwner(path)?.pid === process.pid) rmSync(path, { force: true });
    };
    process.once('exit', release);
    const publish = (chromaUrl: string) => {
      // Rewritten in place by its owner only; readers treat an unreadable lock as held only while its pid runs.
      writeFileSync(path, JSON.stringify({ ...owner, chromaUrl }), { mode: 0o600 });
    };
    return { path, publish, release };
  }
  throw new AppError({ code: 'DATA_DIR_LOCKED', field: 'RB_DATA_DIR', message: `could not lock ${dataDir}: another process keeps taking it` });
}

/** The owner recorded in a data folder's lock, if any (whether it still runs is for the caller to check). */
export function readOwner(path: string): LockOwner | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as { pid?: unknown; description?: unknown; chromaUrl?: unknown };
    if (typeof parsed.pid !== 'number') return undefined;
    return {
      pid: parsed.pid,
      description: String(parsed.description ?? ''),
      ...(typeof parsed.chromaUrl === 'string' ? { chromaUrl: parsed.chromaUrl } : {}),
    };
  } catch {
    return undefined; // unreadable or half-written: treated as stale
  }
}

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live process that owns `dataDir`, if one does (a lock left by a process that is gone does not count). */
export function runningOwner(dataDir: string): LockOwner | undefined {
  const owner = readOwner(join(dataDir, 'rb.lock'));
  return owner !== undefined && owner.pid !== process.pid && isRunning(owner.pid) ? owner : undefined;
}
