import type { MemoryItem } from '../memory-item.js';
import type { MemoryFilter } from './memory-backend.js';

/** A predicate for `filter`, for backends that filter in process. */
export function compileFilter(filter: MemoryFilter): (memory: MemoryItem) => boolean {
  const outcomes = filter.outcomes ? new Set<string>(filter.outcomes) : undefined;
  const tags = filter.anyTags && filter.anyTags.length > 0 ? new Set(filter.anyTags) : undefined;
  return (memory) =>
    (outcomes === undefined || outcomes.has(memory.outcome)) &&
    (filter.domain === undefined || memory.domain === filter.domain) &&
    (tags === undefined || (memory.tags ?? []).some((tag) => tags.has(tag)));
}
