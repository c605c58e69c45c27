import type { Genealogy, GenealogyEntry } from './memory-store.js';
import type { MemoryItem } from './types.js';

/** The two lookups a genealogy walk needs, both scoped to one workspace by the caller. */
export interface GenealogyLookups {
  /** Memories by id, in request order (`undefined` for a missing one). */
  byIds(ids: string[]): Promise<(MemoryItem | undefined)[]>;
  /** Memories whose `parentId` or `derivedFrom` names one of `ids`: one filtered request, never a scan. */
  childrenOf(ids: string[]): Promise<MemoryItem[]>;
}

/**
 * Parents and children of `memory`, one generation per request. Visited sets stop cycles; past `maxDepth` the walk
 * stops and says `truncated`.
 */
export async function walkGenealogy(memory: MemoryItem, maxDepth: number, lookups: GenealogyLookups): Promise<Genealogy> {
  let truncated = false;
  const parentsOf = (m: MemoryItem) => [...(m.parentId ? [m.parentId] : []), ...(m.derivedFrom ?? [])];

  const ancestors: GenealogyEntry[] = [];
  const seenUp = new Set([memory.id]);
  let frontier = parentsOf(memory).filter((p) => !seenUp.has(p));
  for (let depth = 1; frontier.length > 0; depth++) {
    if (depth > maxDepth) {
      truncated = true;
      break;
    }
    frontier.forEach((p) => seenUp.add(p));
    const found = (await lookups.byIds(frontier)).filter((m): m is MemoryItem => m !== undefined);
    found.forEach((m) => ancestors.push({ memory: m, depth }));
    frontier = [...new Set(found.flatMap(parentsOf))].filter((p) => !seenUp.has(p));
  }

  const descendants: GenealogyEntry[] = [];
  const seenDown = new Set([memory.id]);
  frontier = [memory.id];
  for (let depth = 1; frontier.length > 0; depth++) {
    const fresh = (await lookups.childrenOf(frontier)).filter((m) => !seenDown.has(m.id));
    if (fresh.length > 0 && depth > maxDepth) {
      truncated = true;
      break;
    }
    fresh.forEach((m) => {
      seenDown.add(m.id);
      descendants.push({ memory: m, depth });
    });
    frontier = fresh.map((m) => m.id);
  }
  return { memory, ancestors, descendants, truncated };
}
