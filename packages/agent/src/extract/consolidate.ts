import { MEMORY_LIMITS, createId, memoryText, type MemoryItemInput, type MemoryStore } from '@rb/memory';
import type { ExtractedMemory } from './memory-item-schemas.js';

/** A memory ready to store, with its id and, for a refinement, its genealogy. */
export type PlannedMemory = MemoryItemInput & { id: string; evolutionStage: number };

/** A new memory that was not stored because the bank (or the same batch) already says the same. */
export interface SkippedMemory {
  memory: ExtractedMemory;
  /** The stored (or planned) memory it duplicates. */
  duplicateOf: string;
  /** Cosine similarity to it (for a duplicate within the batch: the word overlap). */
  similarity: number;
}

export interface Consolidation {
  planned: PlannedMemory[];
  skipped: SkippedMemory[];
}

export interface ConsolidationSettings {
  duplicateThreshold: number;
  refinementThreshold: number;
  domain?: string;
  tags?: readonly string[];
}

/** Word overlap above which two items of one batch say the same thing (the bank has no vectors for them yet). */
const BATCH_OVERLAP = 0.8;

/**
 * Compares each new item with its nearest stored memories (cosine similarity, through the store) and decides:
 * - similarity >= `duplicateThreshold`: a duplicate, not stored (reported in `skipped`);
 * - similarity >= `refinementThreshold`: stored as a refinement of the nearest memory: `parentId` and `derivedFrom`
 *   name it, `evolutionStage` is its stage + 1, so the genealogy shows how the lesson evolved;
 * - otherwise: stored as a new memory, stage 0.
 * Two items of the same batch whose words overlap by 80% or more are stored once.
 */
export async function consolidate(
  store: MemoryStore,
  workspaceId: string,
  items: readonly ExtractedMemory[],
  settings: ConsolidationSettings,
): Promise<Consolidation> {
  const planned: PlannedMemory[] = [];
  const skipped: SkippedMemory[] = [];
  for (const item of items) {
    const twin = planned.map((p) => ({ p, overlap: wordOverlap(memoryText(p), memoryText(item)) })).find((x) => x.overlap >= BATCH_OVERLAP);
    if (twin) {
      skipped.push({ memory: item, duplicateOf: twin.p.id, similarity: twin.overlap });
      continue;
    }
    const near = await store.retrieve({ workspaceId, query: memoryText(item), k: 3, includeFailures: true, minScore: 0 });
    const nearest = near.reduce<(typeof near)[number] | undefined>(
      (best, r) => (best === undefined || r.components.similarity > best.components.similarity ? r : best),
      undefined,
    );
    const similarity = nearest?.components.similarity ?? -1;
    if (nearest && similarity >= settings.duplicateThreshold) {
      skipped.push({ memory: item, duplicateOf: nearest.memory.id, similarity });
      continue;
    }
    const base = {
      id: createId(),
      title: item.title,
      description: item.description,
      content: item.content,
      ...(item.errorContext ? { errorContext: item.errorContext } : {}),
      ...(settings.domain === undefined ? {} : { domain: settings.domain }),
      ...(settings.tags === undefined || settings.tags.length === 0 ? {} : { tags: [...settings.tags] }),
    };
    if (nearest && similarity >= settings.refinementThreshold) {
      const parent = nearest.memory;
      planned.push({
        ...base,
        parentId: parent.id,
        derivedFrom: [parent.id],
        evolutionStage: Math.min((parent.evolutionStage ?? 0) + 1, MEMORY_LIMITS.evolutionStage),
        ...(base.domain === undefined && parent.domain !== undefined ? { domain: parent.domain } : {}),
      });
    } else {
      planned.push({ ...base, evolutionStage: 0 });
    }
  }
  return { planned, skipped };
}

/** Jaccard overlap of the lower-cased word sets of two texts. */
function wordOverlap(a: string, b: string): number {
  const words = (s: string) => new Set(s.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);
  const x = words(a);
  const y = words(b);
  if (x.size === 0 && y.size === 0) return 1;
  let shared = 0;
  for (const w of x) if (y.has(w)) shared++;
  return shared / (x.size + y.size - shared);
}
