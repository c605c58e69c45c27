import { describeSchemaIssue } from '@rb/errors';
import type { z } from 'zod';
import { invalidInput } from './errors.js';

/**
 * Parses `value` with `schema`, or throws a `MemoryError` `INVALID_INPUT` whose `field` is the path of the first bad
 * field (`trace.memories[1].title`), prefixed by `root`. An unknown key is reported as its own path.
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, root: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const { field, message } = describeSchemaIssue(result.error.issues[0]!, root);
  throw invalidInput(field, message);
}
