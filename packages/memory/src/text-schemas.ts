import { z } from 'zod';

// Lone surrogates cannot be encoded as UTF-8 (a backend stores them mangled or refuses the whole write) and NUL ends
// strings in C libraries and cache keys: neither may reach a record.
// (`isWellFormed` is in Node 20, but in TypeScript's lib only from es2024, which would also admit APIs Node 20 lacks.)
const wellFormed = (value: string) =>
  !value.includes('\u0000') && (value as string & { isWellFormed(): boolean }).isWellFormed();
const WELL_FORMED = 'must be well-formed Unicode without NUL characters';
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Free text of a record: well-formed Unicode, no NUL, `min`-`max` characters, not only whitespace when `min > 0`. */
export function text(min: number, max: number) {
  return z
    .string()
    .max(max)
    .refine(wellFormed, WELL_FORMED)
    .refine((value) => value.trim().length >= min, min === 1 ? 'must not be empty' : `must have at least ${min} characters`);
}

/**
 * An id or a name used as a key (memory, trace, workspace ids, tags, domains): 1-200 characters, no control characters,
 * no NUL, no lone surrogates, not only whitespace. Prototype names such as `__proto__` are ordinary values.
 */
export function key(max = 200) {
  return z
    .string()
    .min(1)
    .max(max)
    .refine(wellFormed, WELL_FORMED)
    .refine((value) => !CONTROL.test(value), 'must not contain control characters')
    .refine((value) => value.trim().length > 0, 'must not be only whitespace');
}

/** An ISO-8601 date-time with `Z` or an offset, e.g. `2026-11-29T10:00:00Z`; stored as UTC `toISOString()`. */
export const isoDateTime = z.iso.datetime({ offset: true });

export const IdSchema = key().meta({ description: 'A record id: 1-200 characters, no control characters.' });
export const WorkspaceIdSchema = key().meta({
  description: 'The isolation scope (a project or a user): every read and write names one; 1-200 characters.',
});
