import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { MemoryItemInputSchema, OutcomeSchema, TRACE_LIMITS, TraceInputSchema, parseInput, type MemoryItemInput, type TraceInput } from '@rb/memory';
import { AppError } from '../errors.js';

const MemoryLineSchema = MemoryItemInputSchema.extend({ outcome: OutcomeSchema.optional() });

/** What an ingest file holds, checked in full before anything is written. */
export interface IngestPlan {
  traces: TraceInput[];
  memories: number;
}

/**
 * Reads a JSON Lines file for `rb ingest`. Each non-empty line is either a trace (an object with `task`, as
 * `addTrace` takes it, memories inside) or a memory item (`title`, `description`, `content`, ... and an optional
 * `outcome`, default `success`); memory lines are grouped by outcome into traces of at most 20, whose task names the
 * file. Records without an id get one derived from their line's content, so ingesting the same file twice overwrites
 * instead of duplicating. Every bad line is reported (up to 20) with its number, and nothing is written.
 */
export function planIngest(fileName: string, text: string): IngestPlan {
  const errors: string[] = [];
  const traces: TraceInput[] = [];
  const loose = new Map<string, { id: string; memory: MemoryItemInput }[]>();
  const lines = text.split(/\r?\n/);
  lines.forEach((line, index) => {
    if (line.trim() === '' || errors.length >= 20) return;
    const where = `line ${index + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      errors.push(`${where}: not JSON (${(error as Error).message})`);
      return;
    }
    const id = `ingest-${createHash('sha256').update(line).digest('hex').slice(0, 32)}`;
    try {
      if (typeof value === 'object' && value !== null && 'task' in value) {
        const trace = parseInput(TraceInputSchema, value, where);
        traces.push({
          ...trace,
          id: trace.id ?? id,
          ...(trace.memories === undefined ? {} : { memories: trace.memories.map((m, i) => ({ ...m, id: m.id ?? `${id}-${i}` })) }),
        });
      } else {
        const { outcome = 'success', ...memory } = parseInput(MemoryLineSchema, value, where);
        const group = loose.get(outcome) ?? [];
        group.push({ id: memory.id ?? id, memory });
        loose.set(outcome, group);
      }
    } catch (error) {
      errors.push(error instanceof Error ? error.message : String(error));
    }
  });
  if (errors.length > 0) {
    throw new AppError({ code: 'INVALID_INPUT', field: errors[0]!.split(':')[0], message: `${fileName} has bad lines, nothing was written:\n  ${errors.join('\n  ')}` });
  }
  for (const [outcome, memories] of loose) {
    for (let i = 0; i < memories.length; i += TRACE_LIMITS.memories) {
      const chunk = memories.slice(i, i + TRACE_LIMITS.memories);
      const traceId = `ingest-${createHash('sha256').update(chunk.map((m) => m.id).join('\n')).digest('hex').slice(0, 32)}`;
      traces.push({
        id: traceId,
        task: `Imported from ${basename(fileName)}`,
        outcome: outcome as TraceInput['outcome'],
        memories: chunk.map(({ id, memory }) => ({ ...memory, id })),
      });
    }
  }
  return { traces, memories: traces.reduce((n, t) => n + (t.memories?.length ?? 0), 0) };
}
