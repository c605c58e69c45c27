import { createHash } from 'node:crypto';
import type { MemoryFilter, MemoryItem, Trace, Vector } from '@rb/memory';

/** Chroma metadata: scalar values only. */
export type Metadata = Record<string, string | number | boolean>;
/** A Chroma `where` clause. */
export type Where = Record<string, unknown>;

// Tags and `derivedFrom` ids are any user text, and Chroma 1.0 stores no array metadata: each becomes a boolean key
// named by a hash of it, so no text can form a key Chroma refuses or one that collides with another field.
const hashKey = (kind: string, value: string) => `${kind}.${createHash('sha256').update(value, 'utf8').digest('hex').slice(0, 32)}`;
export const tagKey = (tag: string): string => hashKey('t', tag);
export const derivedKey = (id: string): string => hashKey('d', id);

/**
 * The canonical record is the document (JSON, dates as ISO strings, exactly as the store handed it over); metadata
 * holds scalar copies to filter on, with `createdAt` as epoch milliseconds so ranges compare as numbers.
 */
export function memoryMetadata(memory: MemoryItem): Metadata {
  const metadata: Metadata = { outcome: memory.outcome, createdAt: Date.parse(memory.createdAt) };
  if (memory.domain !== undefined) metadata['domain'] = memory.domain;
  if (memory.parentId !== undefined) metadata['parentId'] = memory.parentId;
  for (const tag of memory.tags ?? []) metadata[tagKey(tag)] = true;
  for (const id of memory.derivedFrom ?? []) metadata[derivedKey(id)] = true;
  return metadata;
}

export function traceMetadata(trace: Trace): Metadata {
  return { outcome: trace.outcome, createdAt: Date.parse(trace.createdAt) };
}

/** Combines conditions into one `where`: Chroma accepts one top-level key, so two or more go under `$and`. */
export function allOf(conditions: (Where | undefined)[]): Where | undefined {
  const present = conditions.filter((c): c is Where => c !== undefined);
  return present.length === 0 ? undefined : present.length === 1 ? present[0] : { $and: present };
}

export function anyOf(conditions: Where[]): Where | undefined {
  return conditions.length === 0 ? undefined : conditions.length === 1 ? conditions[0] : { $or: conditions };
}

/** The `where` of a retrieval filter; `undefined` (an unfiltered, fast query) when it has no condition. */
export function filterWhere(filter: MemoryFilter): Where | undefined {
  return allOf([
    filter.outcomes === undefined ? undefined : { outcome: { $in: [...filter.outcomes] } },
    filter.domain === undefined ? undefined : { domain: filter.domain },
    filter.anyTags === undefined ? undefined : anyOf(filter.anyTags.map((tag) => ({ [tagKey(tag)]: true }))),
  ]);
}

/** A vector as Chroma's upsert takes it when the server supports it: little-endian float32, base64. */
export function packVector(vector: Vector): string {
  const floats = Float32Array.from(vector);
  return Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength).toString('base64');
}

export function plainVector(vector: Vector): number[] {
  return Array.from(vector);
}
