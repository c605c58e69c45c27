import type { Where } from 'chromadb';

type Condition = Where;

/**
 * Combines conditions into one Chroma `where`: Chroma accepts a single top-level key, so two or more conditions go
 * under `$and` (a lone condition stands alone, as `$and` needs at least two).
 */
export function allOf(first: Condition, ...rest: (Condition | undefined)[]): Condition {
  const present = [first, ...rest.filter((c): c is Condition => c !== undefined)];
  return present.length === 1 ? first : { $and: present };
}

export function anyOf(conditions: Condition[]): Condition | undefined {
  if (conditions.length === 0) return undefined;
  return conditions.length === 1 ? conditions[0] : { $or: conditions };
}

/** Tags and `derivedFrom` ids live as boolean metadata keys, since this Chroma stores no array metadata. */
export const tagKey = (tag: string): string => `tag:${tag}`;
export const derivedKey = (id: string): string => `derived:${id}`;
