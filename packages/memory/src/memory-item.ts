import { z } from 'zod';
import { IdSchema, isoDateTime, key, text, WorkspaceIdSchema } from './text-schemas.js';

/** Limits of a memory item's fields, in characters (UTF-16 code units). */
export const MEMORY_LIMITS = {
  title: { min: 5, max: 200 },
  description: { min: 10, max: 500 },
  content: { min: 20, max: 4000 },
  errorContextField: { min: 1, max: 1000 },
  tags: 10,
  tag: 100,
  domain: 100,
  derivedFrom: 20,
  evolutionStage: 1000,
} as const;

const L = MEMORY_LIMITS;

export const OutcomeSchema = z
  .enum(['success', 'failure', 'partial'])
  .meta({ description: 'How the task of a trace ended, as the judge (or the caller) labelled it.' });
export type Outcome = z.infer<typeof OutcomeSchema>;

export const DifficultySchema = z.enum(['simple', 'moderate', 'complex', 'expert']);
export type Difficulty = z.infer<typeof DifficultySchema>;

export const ErrorContextSchema = z
  .strictObject({
    errorType: text(L.errorContextField.min, L.errorContextField.max),
    failurePattern: text(L.errorContextField.min, L.errorContextField.max),
    correctiveGuidance: text(L.errorContextField.min, L.errorContextField.max),
  })
  .meta({ description: 'What a failure-derived memory says went wrong and how to avoid it.' });
export type ErrorContext = z.infer<typeof ErrorContextSchema>;

const memoryFields = {
  title: text(L.title.min, L.title.max).meta({ description: 'A short, transferable name of the lesson.' }),
  description: text(L.description.min, L.description.max).meta({
    description: 'One sentence: when to use this lesson (or when not to).',
  }),
  content: text(L.content.min, L.content.max).meta({ description: 'The insight, in 1-3 sentences.' }),
  errorContext: ErrorContextSchema.optional(),
  parentId: IdSchema.optional().meta({ description: 'The memory this one refines.' }),
  derivedFrom: z.array(IdSchema).max(L.derivedFrom).optional().meta({ description: 'Memories this one was distilled from.' }),
  evolutionStage: z
    .int()
    .min(0)
    .max(L.evolutionStage)
    .optional()
    .meta({ description: "0 for an original memory, the parent's stage + 1 for a refinement." }),
  tags: z.array(key(L.tag)).max(L.tags).optional(),
  difficulty: DifficultySchema.optional(),
  domain: key(L.domain).optional().meta({ description: 'E.g. "python", "sql", "git". Defaults to the trace\'s domain.' }),
};

/**
 * A memory item as a caller hands it in (inside a trace). Unknown fields are refused, not stripped: a typo or a stray
 * field is an error naming it, and nothing unvalidated is ever stored.
 */
export const MemoryItemInputSchema = z.strictObject({
  id: IdSchema.optional().meta({
    description: 'Defaults to a new time-ordered UUIDv7; pass your own so that a retried call overwrites instead of duplicating.',
  }),
  ...memoryFields,
  createdAt: isoDateTime.optional().meta({ description: "ISO-8601 date-time. Defaults to the trace's." }),
});
export type MemoryItemInput = z.input<typeof MemoryItemInputSchema>;

/** A stored memory item. */
export const MemoryItemSchema = z.strictObject({
  id: IdSchema,
  ...memoryFields,
  createdAt: isoDateTime,
  /** Set by `updateMemory`. */
  updatedAt: isoDateTime.optional(),
  traceId: IdSchema,
  workspaceId: WorkspaceIdSchema,
  outcome: OutcomeSchema.meta({ description: 'The outcome of the trace the memory was learned from.' }),
});
export type MemoryItem = z.infer<typeof MemoryItemSchema>;

/**
 * Changes `updateMemory` applies: any of the caller-editable fields. A field set to `null` is removed (e.g.
 * `errorContext: null`); id, workspace, trace, outcome and `createdAt` never change.
 */
export const MemoryPatchSchema = z
  .strictObject({
    title: memoryFields.title.optional(),
    description: memoryFields.description.optional(),
    content: memoryFields.content.optional(),
    errorContext: ErrorContextSchema.nullable().optional(),
    parentId: IdSchema.nullable().optional(),
    derivedFrom: memoryFields.derivedFrom.unwrap().nullable().optional(),
    evolutionStage: memoryFields.evolutionStage.unwrap().optional(),
    tags: memoryFields.tags.unwrap().nullable().optional(),
    difficulty: DifficultySchema.nullable().optional(),
    domain: memoryFields.domain.unwrap().nullable().optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, 'must change at least one field');
export type MemoryPatch = z.input<typeof MemoryPatchSchema>;

/** The text a memory is embedded and matched by. */
export function memoryText(memory: Pick<MemoryItem, 'title' | 'description' | 'content'>): string {
  return `${memory.title}\n${memory.description}\n${memory.content}`;
}
