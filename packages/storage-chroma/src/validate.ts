import { invalidInput } from './errors.js';
import type { Difficulty, MemoryItem, MemoryItemInput, Outcome, Trace, TraceInput } from './types.js';

const OUTCOMES: readonly Outcome[] = ['success', 'failure', 'partial'];
const DIFFICULTIES: readonly Difficulty[] = ['simple', 'moderate', 'complex', 'expert'];
const STEP_KINDS = ['think', 'evaluate', 'refine', 'candidate', 'contrast'];

/**
 * Checks a trace and its memories and returns the records to store, or throws an `INVALID_INPUT` error naming the
 * first bad field. Runs before any write, so invalid input leaves the store untouched.
 */
export function validateTrace(input: TraceInput, now: number): { trace: Trace; memories: MemoryItem[] } {
  if (typeof input !== 'object' || input === null) throw invalidInput('trace', 'an object', input);
  id('trace.id', input.id);
  workspaceId('trace.workspaceId', input.workspaceId);
  text('trace.task', input.task, 1, Infinity);
  oneOf('trace.outcome', input.outcome, OUTCOMES);
  const createdAt = isoDate('trace.createdAt', input.createdAt ?? new Date(now));
  optionalId('trace.parentTraceId', input.parentTraceId);
  optionalText('trace.domain', input.domain, 1, 100);
  optionalText('trace.judgeVerdict', input.judgeVerdict, 0, Infinity);
  optionalText('trace.judgeReasoning', input.judgeReasoning, 0, Infinity);
  idList('trace.usedMemoryIds', input.usedMemoryIds);
  if (input.trajectory !== undefined) {
    if (!Array.isArray(input.trajectory)) throw invalidInput('trace.trajectory', 'an array', input.trajectory);
    input.trajectory.forEach((step, i) => {
      const at = `trace.trajectory[${i}]`;
      if (typeof step !== 'object' || step === null) throw invalidInput(at, 'an object', step);
      oneOf(`${at}.kind`, step.kind, STEP_KINDS);
      text(`${at}.output`, step.output, 0, Infinity);
      if (step.score !== undefined) finite(`${at}.score`, step.score);
      optionalText(`${at}.feedback`, step.feedback, 0, Infinity);
    });
  }
  if (input.tokenUsage !== undefined) {
    nonNegative('trace.tokenUsage.input', input.tokenUsage?.input);
    nonNegative('trace.tokenUsage.output', input.tokenUsage?.output);
  }
  if (input.timings !== undefined) {
    if (typeof input.timings !== 'object' || input.timings === null) throw invalidInput('trace.timings', 'an object');
    for (const [name, ms] of Object.entries(input.timings)) nonNegative(`trace.timings.${name}`, ms);
  }
  const items = input.memories ?? [];
  if (!Array.isArray(items)) throw invalidInput('trace.memories', 'an array', items);

  const seen = new Set<string>();
  const memories = items.map((item, i) => {
    const memory = validateMemoryItem(item, `trace.memories[${i}]`, {
      traceId: input.id,
      workspaceId: input.workspaceId,
      outcome: input.outcome,
      createdAt,
      domain: input.domain,
    });
    if (seen.has(memory.id)) throw invalidInput(`trace.memories[${i}].id`, 'unique within the trace', memory.id);
    seen.add(memory.id);
    return memory;
  });

  const { memories: _memories, ...rest } = input;
  const trace: Trace = { ...rest, createdAt, extractedMemoryIds: memories.map((m) => m.id) };
  return { trace, memories };
}

/** Checks one memory item; `at` prefixes field names in errors. */
export function validateMemoryItem(
  item: MemoryItemInput,
  at: string,
  owner: { traceId: string; workspaceId: string; outcome: Outcome; createdAt: string; domain?: string | undefined },
): MemoryItem {
  if (typeof item !== 'object' || item === null) throw invalidInput(at, 'an object', item);
  id(`${at}.id`, item.id);
  text(`${at}.title`, item.title, 5, 200);
  text(`${at}.description`, item.description, 10, 500);
  text(`${at}.content`, item.content, 20, Infinity);
  if (item.errorContext !== undefined) {
    if (typeof item.errorContext !== 'object' || item.errorContext === null) {
      throw invalidInput(`${at}.errorContext`, 'an object', item.errorContext);
    }
    text(`${at}.errorContext.errorType`, item.errorContext.errorType, 1, Infinity);
    text(`${at}.errorContext.failurePattern`, item.errorContext.failurePattern, 1, Infinity);
    text(`${at}.errorContext.correctiveGuidance`, item.errorContext.correctiveGuidance, 1, Infinity);
  }
  optionalId(`${at}.parentId`, item.parentId);
  idList(`${at}.derivedFrom`, item.derivedFrom);
  if (item.evolutionStage !== undefined && !(Number.isInteger(item.evolutionStage) && item.evolutionStage >= 0)) {
    throw invalidInput(`${at}.evolutionStage`, 'an integer >= 0', item.evolutionStage);
  }
  if (item.tags !== undefined) {
    if (!Array.isArray(item.tags) || item.tags.length > 10) throw invalidInput(`${at}.tags`, 'an array of at most 10 tags', item.tags);
    item.tags.forEach((tag, i) => text(`${at}.tags[${i}]`, tag, 1, 100));
  }
  if (item.difficulty !== undefined) oneOf(`${at}.difficulty`, item.difficulty, DIFFICULTIES);
  optionalText(`${at}.domain`, item.domain, 1, 100);
  const createdAt = item.createdAt === undefined ? owner.createdAt : isoDate(`${at}.createdAt`, item.createdAt);
  const memory: MemoryItem = { ...item, createdAt, traceId: owner.traceId, workspaceId: owner.workspaceId, outcome: owner.outcome };
  if (memory.domain === undefined && owner.domain !== undefined) memory.domain = owner.domain;
  return memory;
}

export function workspaceId(field: string, value: unknown): string {
  return id(field, value);
}

export function id(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > 200) {
    throw invalidInput(field, 'a non-empty string of at most 200 characters', value);
  }
  return value;
}

function optionalId(field: string, value: unknown): void {
  if (value !== undefined) id(field, value);
}

function idList(field: string, value: unknown): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) throw invalidInput(field, 'an array of ids', value);
  value.forEach((v, i) => id(`${field}[${i}]`, v));
}

function text(field: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'string') throw invalidInput(field, 'a string', value);
  const length = value.trim().length;
  if (length < min || value.length > max) {
    const range = max === Infinity ? `at least ${min}` : `${min}-${max}`;
    throw invalidInput(field, `a string of ${range} characters`, value);
  }
}

function optionalText(field: string, value: unknown, min: number, max: number): void {
  if (value !== undefined) text(field, value, min, max);
}

function oneOf<T>(field: string, value: unknown, allowed: readonly T[]): void {
  if (!allowed.includes(value as T)) throw invalidInput(field, `one of ${allowed.join(', ')}`, value);
}

function finite(field: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalidInput(field, 'a finite number', value);
}

function nonNegative(field: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw invalidInput(field, 'a number >= 0', value);
}

function isoDate(field: string, value: unknown): string {
  const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) throw invalidInput(field, 'a Date or an ISO-8601 date string', value);
  return date.toISOString();
}
