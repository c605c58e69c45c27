import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { MemoryRow, ScanPage, TraceRow } from '../backend/memory-backend.js';
import { MemoryError } from '../errors.js';
import { BackupManifestSchema, type BackupManifest, type Progress } from '../memory-store.js';
import { throwIfAborted } from '../store/abort.js';
import { BACKUP_FORMAT, BACKUP_KINDS, BACKUP_SCHEMA_VERSION, DATA_FILE, MANIFEST, type BackupKind } from './backup-format.js';

export interface BackupSource {
  workspaceId: string;
  model: string;
  dimension: number;
  createdAt: string;
  totals: Record<BackupKind, number>;
  /** Pages of rows with vectors. */
  pages: Record<BackupKind, () => AsyncIterable<ScanPage<MemoryRow['record'] | TraceRow['record']>['rows']>>;
  onProgress?: (progress: Progress) => void;
  signal?: AbortSignal;
}

/**
 * Writes a backup into `dir` without ever destroying the one already there: data files get fresh names, the manifest
 * is written to a temporary file, synced and renamed over `manifest.json` (the commit point), and only then are the
 * earlier backup's data files removed. A failure at any point leaves the earlier backup complete.
 */
export async function writeBackup(dir: string, source: BackupSource): Promise<BackupManifest> {
  const suffix = `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
  const names = { memories: `memories.${suffix}.jsonl`, traces: `traces.${suffix}.jsonl` };
  const written: string[] = [];
  try {
    await ioStep(dir, 'create the backup folder', () => mkdir(dir, { recursive: true }));
    const counts = { memories: 0, traces: 0 };
    const files = {} as BackupManifest['files'];
    for (const kind of BACKUP_KINDS) {
      const path = join(dir, names[kind]);
      written.push(path);
      const file = await ioStep(dir, `create ${names[kind]}`, () => open(path, 'wx'));
      const hash = createHash('sha256');
      let bytes = 0;
      try {
        for await (const rows of source.pages[kind]()) {
          throwIfAborted(source.signal);
          let chunk = '';
          for (const row of rows) chunk += `${JSON.stringify({ id: row.record.id, record: row.record, embedding: Array.from(row.vector ?? []) })}\n`;
          const buffer = Buffer.from(chunk, 'utf8');
          hash.update(buffer);
          bytes += buffer.length;
          counts[kind] += rows.length;
          await ioStep(dir, `write ${names[kind]}`, () => file.write(buffer));
          source.onProgress?.({ phase: `backup ${kind}`, done: counts[kind], total: Math.max(source.totals[kind], counts[kind]) });
        }
        await ioStep(dir, `sync ${names[kind]}`, () => file.sync());
      } finally {
        await file.close();
      }
      files[kind] = { name: names[kind], sha256: hash.digest('hex'), bytes };
    }
    const manifest = BackupManifestSchema.parse({
      format: BACKUP_FORMAT,
      schemaVersion: BACKUP_SCHEMA_VERSION,
      workspaceId: source.workspaceId,
      model: source.model,
      dimension: source.dimension,
      createdAt: source.createdAt,
      counts,
      files,
    });
    const temporary = join(dir, `${MANIFEST}.${suffix}.tmp`);
    written.push(temporary);
    const handle = await ioStep(dir, 'write manifest.json', () => open(temporary, 'wx'));
    try {
      await ioStep(dir, 'write manifest.json', () => handle.write(`${JSON.stringify(manifest, null, 2)}\n`));
      await ioStep(dir, 'sync manifest.json', () => handle.sync());
    } finally {
      await handle.close();
    }
    throwIfAborted(source.signal);
    await ioStep(dir, 'rename manifest.json into place', () => rename(temporary, join(dir, MANIFEST)));
    written.length = 0;
    await removeStale(dir, new Set([names.memories, names.traces]));
    return manifest;
  } catch (error) {
    await Promise.all(written.map((path) => rm(path, { force: true }).catch(() => undefined)));
    throw error;
  }
}

// The earlier backup's data files and temporary files of interrupted backups: only names of this format.
async function removeStale(dir: string, keep: Set<string>): Promise<void> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(
    entries
      .filter((name) => !keep.has(name) && (DATA_FILE.test(name) || /^manifest\.json\.[0-9a-z-]+\.tmp$/.test(name)))
      .map((name) => rm(join(dir, name), { force: true }).catch(() => undefined)),
  );
}

async function ioStep<T>(dir: string, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (cause) {
    if (MemoryError.isInstance(cause)) throw cause;
    const code = (cause as NodeJS.ErrnoException)?.code;
    throw new MemoryError({
      code: 'IO_ERROR',
      field: 'dir',
      message: `backup into ${dir} failed: could not ${what}${code ? ` (${code})` : ''}; the earlier backup there, if any, is intact`,
      cause,
    });
  }
}
