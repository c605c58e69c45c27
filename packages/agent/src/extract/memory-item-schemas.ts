import { MEMORY_LIMITS } from '@rb/memory';
import { z } from 'zod';

// What the extraction and contrast steps may answer. The bounds are the store's, tighter where the paper asks for
// brevity (content of 1-3 sentences), so that every item that passes here is accepted by any MemoryStore.

const L = MEMORY_LIMITS;
// A lone surrogate or a NUL would make the store refuse the whole trace.
const wellFormed = (value: string) => !value.includes('\u0000') && (value as string & { isWellFormed(): boolean }).isWellFormed();
const text = (min: number, max: number) =>
  z.string().trim().min(min).max(max).refine(wellFormed, 'must be well-formed Unicode without NUL characters');

const base = {
  title: text(L.title.min, L.title.max),
  description: text(L.description.min, L.description.max),
  content: text(L.content.min, 1500),
};

export const ErrorContextAnswerSchema = z.strictObject({
  errorType: text(1, 200),
  failurePattern: text(1, 1000),
  correctiveGuidance: text(1, 1000),
});

export const SuccessItemSchema = z.strictObject(base);
export const FailureItemSchema = z.strictObject({ ...base, errorContext: ErrorContextAnswerSchema });
/** Contrast items: a warning carries its errorContext, a strategy has `null` (strict outputs allow no optional field). */
export const ContrastItemSchema = z.strictObject({ ...base, errorContext: ErrorContextAnswerSchema.nullable() });

export const SuccessExtractionSchema = z.strictObject({ reasoning: z.string().max(20_000), items: z.array(SuccessItemSchema).max(3) });
export const FailureExtractionSchema = z.strictObject({ reasoning: z.string().max(20_000), items: z.array(FailureItemSchema).max(3) });

/** A memory item as extraction produced it, before consolidation. */
export interface ExtractedMemory {
  title: string;
  description: string;
  content: string;
  errorContext?: { errorType: string; failurePattern: string; correctiveGuidance: string };
}
