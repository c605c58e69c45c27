import { MemoryItemSchema, OutcomeSchema, type RetrievedMemory, type StoreStatistics } from '@rb/memory';
import { z } from 'zod';

// Output shapes shared by several tools. Records are the contract's own schemas (`@rb/memory`), so what one tool
// returns can be handed to another unchanged.

export const ScoreComponentsSchema = z.strictObject({
  similarity: z.number().meta({ description: 'Cosine similarity of the query and the memory, -1..1.' }),
  lexical: z.number().optional().meta({ description: 'Normalised BM25 score, 0..1, when the lexical index contributed.' }),
  late: z
    .number()
    .optional()
    .meta({ description: 'Late-interaction similarity of the task and memory token vectors, when that stage rescored the memory.' }),
  recency: z.number().meta({ description: '1 for a memory created now, 0.5 one half-life ago.' }),
  errorBoost: z.number().meta({ description: '1 for a relevant failure-derived memory, else 0.' }),
  relevance: z.number().meta({ description: 'What the relevance threshold is applied to.' }),
  rerankPosition: z.int().optional(),
});

export const RetrievedMemorySchema = z.strictObject({
  memory: MemoryItemSchema,
  score: z.number().meta({ description: 'What the memory was ranked by.' }),
  components: ScoreComponentsSchema,
});

export function toRetrieved(result: RetrievedMemory): z.input<typeof RetrievedMemorySchema> {
  const { components } = result;
  return {
    memory: result.memory,
    score: result.score,
    components: {
      similarity: components.similarity,
      ...(components.lexical === undefined ? {} : { lexical: components.lexical }),
      ...(components.late === undefined ? {} : { late: components.late }),
      recency: components.recency,
      errorBoost: components.errorBoost,
      relevance: components.relevance,
      ...(components.rerankPosition === undefined ? {} : { rerankPosition: components.rerankPosition }),
    },
  };
}

const countsByOutcome = z.strictObject({ success: z.int(), failure: z.int(), partial: z.int() });

export const StatisticsSchema = z.strictObject({
  memories: z.int(),
  traces: z.int(),
  memoriesByOutcome: countsByOutcome,
  tracesByOutcome: countsByOutcome,
  memoriesByDomain: z
    .array(z.strictObject({ domain: z.string(), count: z.int() }))
    .meta({ description: 'Most frequent first; memories without a domain count under "".' }),
  errorMemories: z.int().meta({ description: 'Failure-derived memories (with errorContext).' }),
});

export function toStatistics(statistics: StoreStatistics): z.input<typeof StatisticsSchema> {
  return {
    memories: statistics.memories,
    traces: statistics.traces,
    memoriesByOutcome: { ...statistics.memoriesByOutcome },
    tracesByOutcome: { ...statistics.tracesByOutcome },
    memoriesByDomain: statistics.memoriesByDomain.map(([domain, count]) => ({ domain, count })),
    errorMemories: statistics.errorMemories,
  };
}

export const RetentionResultSchema = z.strictObject({
  memories: z.int().meta({ description: 'Memories removed (or, with dry_run, that would be).' }),
  traces: z.int(),
  dryRun: z.boolean(),
});

export { OutcomeSchema };
