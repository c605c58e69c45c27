import { z } from 'zod';
import { IdSchema } from '../text-schemas.js';

// A backup is a folder: `manifest.json` plus one JSONL file of memories and one of traces, each line
// `{"id": ..., "record": {...}, "embedding": [...]}`. Any backend writes and reads the same format.

export const BACKUP_FORMAT = 'rb-memory-backup';
export const BACKUP_SCHEMA_VERSION = 1;
export const MANIFEST = 'manifest.json';
export type BackupKind = 'memories' | 'traces';
export const BACKUP_KINDS: readonly BackupKind[] = ['memories', 'traces'];

/** One line of a data file; the record is checked with the memory or trace schema separately. */
export const BackupRowSchema = z.strictObject({
  id: IdSchema,
  record: z.record(z.string(), z.unknown()),
  embedding: z.array(z.number()).min(1).max(65_536),
});

/** Data files of this format that an earlier backup may have left in a folder. */
export const DATA_FILE = /^(memories|traces)(\.[0-9A-Za-z-]{1,80})?\.jsonl$/;
