import type { MemoryItem } from '../memory-item.js';
import type { Genealogy, GenealogyEntry } from '../memory-store.js';

/** The two lookups a genealogy walk needs, both scoped to one workspace by the caller. */
export interface GenealogyLookups {
  /** Memories by id, in request order (`undefined` for a missing one). */
  byIds(ids: string[]): Promise<(MemoryItem | undefined)[]>;
  /** Memories whose `parentId` or `derivedFrom` names one of `ids`. */
  childrenOf(ids: string[]): Promise<MemoryItem[]>;
}

const parentsOf = (m: MemoryItem) => [...(m.parentId !== undefined ? [m.parentId] : []), ...(m.derivedFrom ?? [])];

/**
 * Parents and children of `memory`, one generation per lookup, nearest first. Visited sets stop cycles (a memory
 * appears once, at its nearest depth); past `maxDepth` the walk stops and says `truncated`.
 */
export async function walkGenealogy(memory: MemoryItem, maxDepth: number, lookups: GenealogyLookups): Promise<Genealogy> {
  let truncated = false;

  const ancestors: GenealogyEntry[] = [];
  const seenUp = new Set([memory.id]);
  let frontier = [...new Set(parentsOf(memory))].filter((id) => !seenUp.has(id));
  for (let depth = 1; frontier.length > 0; depth++) {
    const found = (await lookups.byIds(frontier)).filter((m): m is MemoryItem => m !== undefined);
    if (depth > maxDepth) {
      truncated = found.length > 0;
      break;
    }
    frontier.forEach((id) => seenUp.add(id));
    found.forEach((m) => ancestors.push({ memory: m, depth }));
    frontier = [...new Set(found.flatMap(parentsOf))].filter((id) => !seenUp.has(id));
  }

  const descendants: GenealogyEntry[] = [];
  const seenDown = new Set([memory.id]);
  frontier = [memory.id];
  for (let depth = 1; frontier.length > 0; depth++) {
    const fresh = uniqueById(await lookups.childrenOf(frontier)).filter((m) => !seenDown.has(m.id));
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

function uniqueById(memories: MemoryItem[]): MemoryItem[] {
  const byId = new Map(memories.map((m) => [m.id, m]));
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
