import type { Metadata } from 'chromadb';
import { derivedKey, tagKey } from './filters.js';
import type { MemoryItem, Trace } from './types.js';

/**
 * The canonical record is the document (JSON, dates as ISO strings); metadata holds only scalar copies to filter on,
 * with dates as epoch milliseconds so ranges compare as numbers.
 */
export function memoryMetadata(memory: MemoryItem): Metadata {
  const metadata: Metadata = {
    workspaceId: memory.workspaceId,
    traceId: memory.traceId,
    outcome: memory.outcome,
    hasErrorContext: memory.errorContext !== undefined,
    createdAt: Date.parse(memory.createdAt),
    evolutionStage: memory.evolutionStage ?? 0,
  };
  if (memory.domain !== undefined) metadata['domain'] = memory.domain;
  if (memory.difficulty !== undefined) metadata['difficulty'] = memory.difficulty;
  if (memory.parentId !== undefined) metadata['parentId'] = memory.parentId;
  for (const tag of memory.tags ?? []) metadata[tagKey(tag)] = true;
  for (const id of memory.derivedFrom ?? []) metadata[derivedKey(id)] = true;
  return metadata;
}

export function traceMetadata(trace: Trace): Metadata {
  const metadata: Metadata = {
    workspaceId: trace.workspaceId,
    outcome: trace.outcome,
    createdAt: Date.parse(trace.createdAt),
    memoryCount: trace.extractedMemoryIds.length,
  };
  if (trace.domain !== undefined) metadata['domain'] = trace.domain;
  if (trace.parentTraceId !== undefined) metadata['parentTraceId'] = trace.parentTraceId;
  return metadata;
}

/** The text a memory is embedded by. */
export function memoryText(memory: Pick<MemoryItem, 'title' | 'description' | 'content'>): string {
  return `${memory.title}\n${memory.description}\n${memory.content}`;
}

export function parseRecord<T>(document: string | null | undefined): T | undefined {
  return typeof document === 'string' ? (JSON.parse(document) as T) : undefined;
}
