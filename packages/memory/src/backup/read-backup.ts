import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describeSchemaIssue } from '@rb/errors';
import type { z } from 'zod';
import { MemoryError } from '../errors.js';
import { MemoryItemSchema, type MemoryItem } from '../memory-item.js';
import { BackupManifestSchema, type BackupManifest } from '../memory-store.js';
import { TraceSchema, type Trace } from '../trace.js';
import { BACKUP_FORMAT, BackupRowSchema, MANIFEST, type BackupKind } from './backup-format.js';

const invalid = (message: string, field?: string, cause?: unknown) =>
  new MemoryError({ code: 'BACKUP_INVALID', message, ...(field === undefined ? {} : { field }), ...(cause === undefined ? {} : { cause }) });

/** Reads and checks `manifest.json`: a missing, unreadable, foreign or malformed one is `BACKUP_INVALID`. */
export async function readManifest(dir: string): Promise<BackupManifest> {
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST), 'utf8');
  } catch (cause) {
    throw invalid(`no readable ${MANIFEST} in ${dir}: not a backup, or an unfinished one`, 'dir', cause);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw invalid(`${MANIFEST} in ${dir} is not JSON`, MANIFEST, cause);
  }
  if ((value as { format?: unknown })?.format !== BACKUP_FORMAT) {
    throw invalid(`${MANIFEST} in ${dir} is not a ${BACKUP_FORMAT} manifest`, `${MANIFEST}.format`);
  }
  const parsed = BackupManifestSchema.safeParse(value);
  if (!parsed.success) {
    const { field, message } = describeSchemaIssue(parsed.error.issues[0]!, MANIFEST);
    throw invalid(`${message} (schema version ${String((value as { schemaVersion?: unknown }).schemaVersion)})`, field);
  }
  return parsed.data;
}

type RecordOf<K extends BackupKind> = K extends 'memories' ? MemoryItem : Trace;

export interface CheckedRow<R> {
  record: R;
  vector: number[];
}

/**
 * Streams the validated rows of one data file in batches. Every line must be JSON of the row shape, its record must
 * pass the memory or trace schema, carry the row's id and the manifest's workspace, and its vector the manifest's
 * dimension; ids may not repeat. After the last line the file's sha256, size and line count must match the manifest.
 * Any failure is `BACKUP_INVALID` naming the file, the line and the field; a consumer that writes as it reads must
 * therefore be all or nothing (the store validates a whole backup before writing, and reads it again to write).
 */
export async function* readRows<K extends BackupKind>(
  dir: string,
  manifest: BackupManifest,
  kind: K,
  batchSize: number,
): AsyncGenerator<CheckedRow<RecordOf<K>>[]> {
  const file = manifest.files[kind];
  const schema = (kind === 'memories' ? MemoryItemSchema : TraceSchema) as unknown as z.ZodType<RecordOf<K>>;
  const hash = createHash('sha256');
  let bytes = 0;
  let line = 0;
  const ids = new Set<string>();
  const stream = createReadStream(join(dir, file.name));
  stream.on('data', (chunk) => {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let batch: CheckedRow<RecordOf<K>>[] = [];
  try {
    for await (const text of lines) {
      line++;
      const at = `${file.name}[${line}]`;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (cause) {
        throw invalid(`${at} is not a JSON line`, at, cause);
      }
      const row = BackupRowSchema.safeParse(value);
      if (!row.success) throw fieldError(at, row.error.issues[0]!);
      const record = schema.safeParse(row.data.record);
      if (!record.success) throw fieldError(`${at}.record`, record.error.issues[0]!);
      if (record.data.id !== row.data.id) throw invalid(`${at}: the row id and the record id differ`, `${at}.record.id`);
      if (record.data.workspaceId !== manifest.workspaceId) {
        throw invalid(`${at}: the record belongs to another workspace than the manifest's`, `${at}.record.workspaceId`);
      }
      if (row.data.embedding.length !== manifest.dimension) {
        throw invalid(`${at}: a vector of ${row.data.embedding.length} dimensions, the manifest says ${manifest.dimension}`, `${at}.embedding`);
      }
      if (ids.has(row.data.id)) throw invalid(`${at}: id ${JSON.stringify(row.data.id)} appears twice`, `${at}.id`);
      ids.add(row.data.id);
      batch.push({ record: record.data, vector: row.data.embedding });
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
  } catch (error) {
    if (MemoryError.isInstance(error)) throw error;
    throw invalid(`cannot read ${file.name} in ${dir}`, file.name, error);
  } finally {
    stream.destroy();
  }
  const sha256 = hash.digest('hex');
  if (sha256 !== file.sha256 || bytes !== file.bytes || line !== manifest.counts[kind]) {
    throw invalid(
      `${file.name} does not match the manifest (${line} lines and ${bytes} bytes, sha256 ${sha256}; expected ` +
        `${manifest.counts[kind]} lines, ${file.bytes} bytes, sha256 ${file.sha256}): truncated or altered`,
      file.name,
    );
  }
  if (batch.length > 0) yield batch;
}

function fieldError(at: string, issue: z.core.$ZodIssue): MemoryError {
  const { field, message } = describeSchemaIssue(issue, at);
  return invalid(message, field);
}
