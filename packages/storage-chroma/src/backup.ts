import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { StorageError } from './errors.js';

/** One line of a backup file: the canonical record and its vector. */
export interface BackupRow {
  id: string;
  record: Record<string, unknown>;
  embedding: number[];
}

/** `manifest.json` of a backup. */
export interface BackupManifest {
  schemaVersion: number;
  workspaceId: string;
  model: string;
  dimension: number;
  /** When the backup was made, ISO-8601. */
  createdAt: string;
  counts: { memories: number; traces: number };
  /** sha256 (hex) of each data file, by file name. */
  files: Record<string, { sha256: string; bytes: number }>;
}

type Kind = 'memories' | 'traces';
const KINDS: readonly Kind[] = ['memories', 'traces'];
const fileOf = (kind: Kind) => `${kind}.jsonl`;

/** Writes each source to `<kind>.jsonl`, hashing while it streams, then the manifest (last, so a crash leaves none). */
export async function writeBackup(
  dir: string,
  base: Omit<BackupManifest, 'counts' | 'files'>,
  sources: Record<Kind, AsyncIterable<BackupRow[]>>,
): Promise<BackupManifest> {
  await mkdir(dir, { recursive: true });
  const counts = { memories: 0, traces: 0 };
  const files: BackupManifest['files'] = {};
  for (const kind of KINDS) {
    const hash = createHash('sha256');
    let bytes = 0;
    const out = createWriteStream(join(dir, fileOf(kind)));
    for await (const rows of sources[kind]) {
      for (const row of rows) {
        const line = `${JSON.stringify(row)}\n`;
        hash.update(line);
        bytes += Buffer.byteLength(line);
        counts[kind]++;
        if (!out.write(line)) await once(out, 'drain');
      }
    }
    out.end();
    await once(out, 'finish');
    files[fileOf(kind)] = { sha256: hash.digest('hex'), bytes };
  }
  const manifest: BackupManifest = { ...base, counts, files };
  const path = join(dir, 'manifest.json');
  await writeFile(`${path}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(`${path}.tmp`, path);
  return manifest;
}

/** Reads and checks a manifest, verifies every file's sha256 and line count, then offers the rows in batches. */
export async function readBackup(dir: string): Promise<{
  manifest: BackupManifest;
  rows(kind: Kind, batchSize: number): AsyncIterable<BackupRow[]>;
}> {
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as BackupManifest;
  } catch (cause) {
    throw new StorageError('BACKUP_INVALID', `no readable manifest.json in ${dir}`, { cause });
  }
  if (
    manifest?.schemaVersion !== 1 ||
    typeof manifest.workspaceId !== 'string' ||
    typeof manifest.model !== 'string' ||
    !Number.isInteger(manifest.dimension) ||
    typeof manifest.files !== 'object'
  ) {
    throw new StorageError('BACKUP_INVALID', `manifest.json in ${dir} is not a schema-1 backup manifest`);
  }
  for (const kind of KINDS) {
    const expected = manifest.files[fileOf(kind)];
    if (!expected) throw new StorageError('BACKUP_INVALID', `manifest lists no ${fileOf(kind)}`);
    const hash = createHash('sha256');
    let lines = 0;
    try {
      for await (const chunk of createReadStream(join(dir, fileOf(kind)))) {
        hash.update(chunk as Buffer);
        for (const byte of chunk as Buffer) if (byte === 10) lines++;
      }
    } catch (cause) {
      throw new StorageError('BACKUP_INVALID', `cannot read ${fileOf(kind)} in ${dir}`, { cause });
    }
    const actual = hash.digest('hex');
    if (actual !== expected.sha256 || lines !== manifest.counts?.[kind]) {
      throw new StorageError('BACKUP_INVALID', `${fileOf(kind)} does not match the manifest (sha256 ${actual}, ${lines} lines)`);
    }
  }
  return {
    manifest,
    async *rows(kind, batchSize) {
      let batch: BackupRow[] = [];
      const lines = createInterface({ input: createReadStream(join(dir, fileOf(kind))), crlfDelay: Infinity });
      for await (const line of lines) {
        if (line === '') continue;
        batch.push(JSON.parse(line) as BackupRow);
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length > 0) yield batch;
    },
  };
}
