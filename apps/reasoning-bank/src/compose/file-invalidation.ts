import { appendFileSync, closeSync, fstatSync, openSync, readSync, renameSync, statSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import type { InvalidationEvent, InvalidationSeam } from '@rb/memory';

/** Past this size a publisher puts a new file in its place (about 40,000 writes). */
const MAX_BYTES = 4 << 20;
/** inotify is prompt; the poll only covers file systems where `fs.watch` reports nothing (network mounts). */
const POLL_MS = 1000;

/**
 * The memory stores' invalidation seam over one append-only file of JSON lines in the data folder. The server and the
 * one-shot `rb` commands beside it share one Chroma: each write a store acknowledges is appended here before the
 * call returns, and every other store on the folder reads it within moments (`fs.watch`, with a 1 s poll as a
 * fallback) and drops what it cached of that workspace. Lines that are not events are skipped.
 *
 * A reader keeps the file open, so when a publisher replaces a full file it first reads the rest of the old one:
 * no event is missed.
 */
export function createFileInvalidation(path: string, onPublishError?: (error: unknown) => void): InvalidationSeam & { close(): void } {
  const listeners = new Set<(event: InvalidationEvent) => void>();
  let reader: { fd: number; inode: number; offset: number; partial: string } | undefined;
  let watcher: FSWatcher | undefined;
  let poll: ReturnType<typeof setInterval> | undefined;

  const open = (fromStart: boolean) => {
    appendFileSync(path, '', { mode: 0o600 }); // make sure it exists
    const fd = openSync(path, 'r');
    const { ino, size } = fstatSync(fd);
    reader = { fd, inode: ino, offset: fromStart ? 0 : size, partial: '' };
    watcher?.close();
    watcher = watch(path, { persistent: false }, () => readNew());
    watcher.on('error', () => undefined); // the poll carries on
  };
  const drain = () => {
    if (!reader) return;
    const { size } = fstatSync(reader.fd);
    if (size <= reader.offset) return;
    const bytes = Buffer.alloc(size - reader.offset);
    readSync(reader.fd, bytes, 0, bytes.length, reader.offset);
    reader.offset = size;
    const lines = (reader.partial + bytes.toString('utf8')).split('\n');
    reader.partial = lines.pop() ?? '';
    for (const line of lines) {
      const event = parseEvent(line);
      if (event) for (const listener of [...listeners]) listener(event);
    }
  };
  const readNew = () => {
    if (!reader) return;
    drain();
    if (inodeOf(path) !== reader.inode) {
      closeSync(reader.fd);
      open(true);
      drain();
    }
  };
  const stop = () => {
    watcher?.close();
    if (poll) clearInterval(poll);
    if (reader) closeSync(reader.fd);
    watcher = poll = reader = undefined;
  };

  return {
    publish(event) {
      const line = `${JSON.stringify({ workspaceId: event.workspaceId, origin: event.origin, ...(event.memoryIds ? { memoryIds: event.memoryIds } : {}) })}\n`;
      try {
        if (sizeOf(path) <= MAX_BYTES) appendFileSync(path, line, { mode: 0o600 });
        else {
          const next = `${path}.${process.pid}.tmp`;
          writeFileSync(next, line, { mode: 0o600 });
          renameSync(next, path);
        }
      } catch (error) {
        // The write this announces is done and acknowledged: a full disk or a read-only folder must not turn it into
        // a failure. The other processes then see it when their caches expire (cacheTtlSeconds).
        onPublishError?.(error);
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      if (!reader) {
        open(false); // events from now on
        poll = setInterval(readNew, POLL_MS);
        poll.unref();
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) stop();
      };
    },
    close: stop,
  };
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function inodeOf(path: string): number {
  try {
    return statSync(path).ino;
  } catch {
    return -1;
  }
}

function parseEvent(line: string): InvalidationEvent | undefined {
  try {
    const value = JSON.parse(line) as Partial<InvalidationEvent>;
    if (typeof value.workspaceId !== 'string' || typeof value.origin !== 'string') return undefined;
    if (value.memoryIds !== undefined && !(Array.isArray(value.memoryIds) && value.memoryIds.every((id) => typeof id === 'string'))) return undefined;
    return { workspaceId: value.workspaceId, origin: value.origin, ...(value.memoryIds ? { memoryIds: value.memoryIds } : {}) };
  } catch {
    return undefined;
  }
}
