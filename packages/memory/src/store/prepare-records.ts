import { createId } from '../create-id.js';
import { invalidInput } from '../errors.js';
import { MemoryItemSchema, type MemoryItem, type MemoryPatch } from '../memory-item.js';
import type { AddTraceRequestSchema } from '../memory-store.js';
import { TraceSchema, type Trace } from '../trace.js';
import type { z } from 'zod';

type ParsedTrace = z.output<typeof AddTraceRequestSchema>['trace'];

/** Dates are stored as UTC `toISOString()`, so they compare as strings and read back identically on every backend. */
export function toUtc(iso: string): string {
  return new Date(iso).toISOString();
}

/** Drops keys whose value is `undefined`, so records hold only the fields they have. */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * The stored trace and memories of an `addTrace` call: ids and dates assigned, the workspace, trace id and outcome
 * copied onto every memory, a memory's domain defaulting to the trace's.
 */
export function prepareTrace(workspaceId: string, input: ParsedTrace, nowMs: number): { trace: Trace; memories: MemoryItem[] } {
  const traceId = input.id ?? createId();
  const createdAt = input.createdAt === undefined ? new Date(nowMs).toISOString() : toUtc(input.createdAt);
  const seen = new Set<string>();
  const memories = (input.memories ?? []).map((item, i) => {
    const id = item.id ?? createId();
    if (seen.has(id)) throw invalidInput(`trace.memories[${i}].id`, `trace.memories[${i}].id repeats the id of an earlier memory of this trace`);
    seen.add(id);
    return MemoryItemSchema.parse(
      compact({
        ...item,
        id,
        domain: item.domain ?? input.domain,
        createdAt: item.createdAt === undefined ? createdAt : toUtc(item.createdAt),
        traceId,
        workspaceId,
        outcome: input.outcome,
      }),
    );
  });
  const { memories: _inputs, ...traceFields } = input;
  const trace = TraceSchema.parse(
    compact({ ...traceFields, id: traceId, workspaceId, createdAt, extractedMemoryIds: memories.map((m) => m.id) }),
  );
  return { trace, memories };
}

/** `current` with `patch` applied: a field set to `null` is removed; `updatedAt` is set. */
export function applyPatch(current: MemoryItem, patch: MemoryPatch, nowMs: number): MemoryItem {
  const next: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (value === null) delete next[key];
    else next[key] = value;
  }
  next['updatedAt'] = new Date(nowMs).toISOString();
  return MemoryItemSchema.parse(next);
}
