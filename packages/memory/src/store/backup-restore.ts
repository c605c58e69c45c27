import { resolve } from 'node:path';
import type { Span } from '@opentelemetry/api';
import { z } from 'zod';
import type { MemoryBackend, MemoryRow, TraceRow } from '../backend/memory-backend.js';
import { readManifest, readRows } from '../backup/read-backup.js';
import { writeBackup } from '../backup/write-backup.js';
import { MemoryError } from '../errors.js';
import type { MemoryEmbedder } from '../memory-embedder.js';
import { memoryText, type MemoryItem } from '../memory-item.js';
import type { BackupManifest, BackupRequest, Progress, RestoreRequest, RestoreResult } from '../memory-store.js';
import { parseInput } from '../parse-input.js';
import { text, WorkspaceIdSchema } from '../text-schemas.js';
import type { Trace } from '../trace.js';
import { throwIfAborted } from './abort.js';
import { embedTexts } from './embed-texts.js';
import { scanAll } from './scans.js';

/** What backup and restore need from the store. */
export interface BackupContext {
  backend: MemoryBackend;
  embedder: MemoryEmbedder;
  batchSize: number | undefined;
  now: () => number;
  run<T>(operation: string, attributes: Record<string, string | number | boolean>, fn: (span: Span) => Promise<T>): Promise<T>;
  call<T>(fn: () => Promise<T>): Promise<T>;
  write<T>(workspaceId: string, fn: () => Promise<T>): Promise<T>;
  /** The workspace's content was replaced: drop what the store derived from it (the lexical index). */
  replaced(workspaceId: string): void;
}

const dir = text(1, 4096).meta({ description: 'A folder path.' });
const onProgress = z.custom<(progress: Progress) => void>((value) => typeof value === 'function', 'must be a function');
const signal = z.custom<AbortSignal>((value) => value instanceof AbortSignal, 'must be an AbortSignal');

const BackupRequestSchema = z.strictObject({ workspaceId: WorkspaceIdSchema, dir, onProgress: onProgress.optional(), signal: signal.optional() });
const VerifyRequestSchema = z.strictObject({ dir });
const RestoreRequestSchema = z.strictObject({
  dir,
  workspaceId: WorkspaceIdSchema.optional(),
  mode: z.enum(['merge', 'replace']).optional(),
  reembed: z.boolean().optional(),
  onProgress: onProgress.optional(),
  signal: signal.optional(),
});

const BATCH = 500;
// Two backups into one folder at once would remove each other's files: they take turns within a process.
const folderTurns = new Map<string, Promise<unknown>>();

export async function backupWorkspace(context: BackupContext, request: BackupRequest): Promise<BackupManifest> {
  const parsed = parseInput(BackupRequestSchema, request, '');
  return context.run('backup', { 'rb.workspace.id': parsed.workspaceId }, async () => {
    const folder = resolve(parsed.dir);
    const previous = folderTurns.get(folder) ?? Promise.resolve();
    const turn = previous.catch(() => undefined).then(async () => {
      const { workspaceId } = parsed;
      const totals = await context.call(() => context.backend.count({ workspaceId }));
      const pages = (kind: 'memories' | 'traces') => () => withVectors(scanAll(context.backend, kind, workspaceId, true, parsed.signal), context);
      return writeBackup(folder, {
        workspaceId,
        model: context.embedder.model,
        dimension: context.embedder.dimension,
        createdAt: new Date(context.now()).toISOString(),
        totals,
        pages: { memories: pages('memories'), traces: pages('traces') },
        ...(parsed.onProgress ? { onProgress: parsed.onProgress } : {}),
        ...(parsed.signal ? { signal: parsed.signal } : {}),
      });
    });
    folderTurns.set(folder, turn);
    try {
      return await turn;
    } finally {
      if (folderTurns.get(folder) === turn) folderTurns.delete(folder);
    }
  });
}

// Rows of a scan, each with its vector (a backend that returned none is failing its contract).
async function* withVectors<R>(pages: AsyncIterable<{ record: R; vector?: ArrayLike<number> }[]>, context: BackupContext) {
  const iterator = pages[Symbol.asyncIterator]();
  for (;;) {
    const next = await context.call(() => iterator.next());
    if (next.done) return;
    for (const row of next.value) if (!row.vector) throw new MemoryError({ code: 'BACKEND_ERROR', message: 'the backend scanned a row without its vector' });
    yield next.value as { record: R; vector: ArrayLike<number> }[];
  }
}

export async function verifyBackupDir(context: BackupContext, request: { dir: string }): Promise<BackupManifest> {
  const parsed = parseInput(VerifyRequestSchema, request, '');
  return context.run('verify_backup', {}, async () => {
    const manifest = await readManifest(parsed.dir);
    await validateAll(parsed.dir, manifest);
    return manifest;
  });
}

/**
 * Restores a backup all or nothing: the manifest and every record are checked first (schema, vector length, row id =
 * record id, the manifest's workspace, sha256), then the backup is read again and written into the target workspace
 * only, through `replaceWorkspace`, which keeps the old content until the new one is complete.
 */
export async function restoreWorkspace(context: BackupContext, request: RestoreRequest): Promise<RestoreResult> {
  const parsed = parseInput(RestoreRequestSchema, request, '');
  const mode = parsed.mode ?? 'merge';
  return context.run('restore', { 'rb.memory.restore_mode': mode }, async (span) => {
    const manifest = await readManifest(parsed.dir);
    const target = parsed.workspaceId ?? manifest.workspaceId;
    span.setAttribute('rb.workspace.id', target);
    const { model, dimension } = context.embedder;
    if ((manifest.model !== model || manifest.dimension !== dimension) && parsed.reembed !== true) {
      throw new MemoryError({
        code: 'MODEL_MISMATCH',
        message:
          `the backup holds vectors of ${manifest.model} (${manifest.dimension} dimensions), this store embeds with ${model} ` +
          `(${dimension}); restore with reembed: true to embed the records again`,
        stored: { model: manifest.model, dimension: manifest.dimension },
        expected: { model, dimension },
      });
    }
    const progress = (phase: string, done: number, total: number) => parsed.onProgress?.({ phase, done, total });
    const backupIds = await validateAll(parsed.dir, manifest, (done) => progress('restore validate', done, manifest.counts.memories + manifest.counts.traces), parsed.signal);

    const total = manifest.counts.memories + manifest.counts.traces;
    let written = 0;
    const fromBackup = async function* <R extends MemoryItem | Trace>(kind: 'memories' | 'traces', textOf: (record: R) => string) {
      for await (const rows of readRows(parsed.dir, manifest, kind, BATCH)) {
        throwIfAborted(parsed.signal);
        const records = rows.map((row) => ({ ...(row.record as R), workspaceId: target }));
        const vectors = parsed.reembed ? await embedTexts(context.embedder, records.map(textOf), context.batchSize) : rows.map((row) => row.vector);
        yield records.map((record, i) => ({ record, vector: vectors[i]! }));
        written += rows.length;
        progress('restore write', written, total);
      }
    };
    const keep = async function* <R extends MemoryItem | Trace>(kind: 'memories' | 'traces') {
      if (mode === 'replace') return;
      for await (const rows of withVectors(scanAll(context.backend, kind, target, true, parsed.signal), context)) {
        const kept = rows.filter((row) => !backupIds[kind].has(row.record.id));
        if (kept.length > 0) yield kept as { record: R; vector: ArrayLike<number> }[];
      }
    };
    async function* chain<T>(...sources: AsyncIterable<T>[]) {
      for (const source of sources) yield* source;
    }

    await context.write(target, async () => {
      try {
        await context.call(() =>
          context.backend.replaceWorkspace({
            workspaceId: target,
            memories: chain<MemoryRow[]>(keep<MemoryItem>('memories'), fromBackup<MemoryItem>('memories', memoryText)),
            traces: chain<TraceRow[]>(keep<Trace>('traces'), fromBackup<Trace>('traces', (trace) => trace.task)),
            ...(parsed.signal ? { signal: parsed.signal } : {}),
          }),
        );
      } finally {
        context.replaced(target);
      }
    });
    return { workspaceId: target, memories: manifest.counts.memories, traces: manifest.counts.traces };
  });
}

/** Reads every record of a backup once, checking all of it; returns the ids it holds. */
async function validateAll(
  folder: string,
  manifest: BackupManifest,
  onRecords?: (done: number) => void,
  abort?: AbortSignal,
): Promise<{ memories: Set<string>; traces: Set<string> }> {
  const ids = { memories: new Set<string>(), traces: new Set<string>() };
  let done = 0;
  for (const kind of ['memories', 'traces'] as const) {
    for await (const rows of readRows(folder, manifest, kind, BATCH)) {
      throwIfAborted(abort);
      for (const row of rows) ids[kind].add(row.record.id);
      done += rows.length;
      onRecords?.(done);
    }
  }
  return ids;
}
