import { appendFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InvalidationEvent } from '@rb/memory';
import { createFileInvalidation } from './file-invalidation.js';

const heard = (seam: ReturnType<typeof createFileInvalidation>) => {
  const events: InvalidationEvent[] = [];
  const stop = seam.subscribe((event) => events.push(event));
  const until = async (count: number) => {
    const deadline = Date.now() + 5000;
    while (events.length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    return events;
  };
  return { events, stop, until };
};

describe('createFileInvalidation', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rb-invalidation-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("tells a store of another process's writes, in order, and skips lines that are not events", async () => {
    const path = join(dir, 'invalidations.jsonl');
    const server = createFileInvalidation(path);
    const cli = createFileInvalidation(path);
    const listener = heard(server);
    try {
      cli.publish({ workspaceId: 'w', origin: 'cli', memoryIds: ['a', 'b'] });
      appendFileSync(path, 'not json\n{"workspaceId":1,"origin":"x"}\n{"workspaceId":"__proto__","origin":"x","memoryIds":[3]}\n');
      cli.publish({ workspaceId: '__proto__', origin: 'cli' });
      expect(await listener.until(2)).toEqual([
        { workspaceId: 'w', origin: 'cli', memoryIds: ['a', 'b'] },
        { workspaceId: '__proto__', origin: 'cli' },
      ]);
    } finally {
      listener.stop();
      server.close();
      cli.close();
    }
  }, 15_000);

  it('hears only what was written after it subscribed, and misses nothing when a publisher replaces a full file', async () => {
    const path = join(dir, 'invalidations.jsonl');
    writeFileSync(path, `${JSON.stringify({ workspaceId: 'old', origin: 'before' })}\n`);
    const seam = createFileInvalidation(path);
    const publisher = createFileInvalidation(path);
    const listener = heard(seam);
    try {
      publisher.publish({ workspaceId: 'first', origin: 'p' });
      expect(await listener.until(1)).toEqual([{ workspaceId: 'first', origin: 'p' }]);
      // In one go, before the reader can look: the file fills up with a last event, and the next one replaces it.
      appendFileSync(path, `${' '.repeat(4 << 20)}\n${JSON.stringify({ workspaceId: 'last in the full file', origin: 'p' })}\n`);
      publisher.publish({ workspaceId: 'first in the new file', origin: 'p' });
      expect(statSync(path).size).toBeLessThan(100);
      expect((await listener.until(3)).map((event) => event.workspaceId)).toEqual(['first', 'last in the full file', 'first in the new file']);
    } finally {
      listener.stop();
      seam.close();
      publisher.close();
    }
  }, 15_000);

  it('never fails the write it announces: a file it cannot write is reported to onPublishError', () => {
    const errors: unknown[] = [];
    const seam = createFileInvalidation(join(dir, 'missing-folder', 'invalidations.jsonl'), (error) => errors.push(error));
    expect(() => seam.publish({ workspaceId: 'w', origin: 'cli' })).not.toThrow();
    expect(errors).toEqual([expect.objectContaining({ code: 'ENOENT' })]);
  });
});
