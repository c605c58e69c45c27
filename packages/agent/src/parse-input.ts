import { describeSchemaIssue } from '@rb/errors';
import type { z } from 'zod';
import { invalidInput } from './errors.js';

/**
 * Parses `value` with `schema`, or throws an `AgentError` `INVALID_INPUT` whose `field` is the path of the first bad
 * field (`trajectory[2].output`), prefixed by `root`.
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, root: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const { field, message } = describeSchemaIssue(result.error.issues[0]!, root);
  throw invalidInput(field, message);
}

/** True for an AbortSignal of any realm (Jest's test realm and Node's differ). */
export function isAbortSignal(value: unknown): value is AbortSignal {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as AbortSignal).aborted === 'boolean' &&
    typeof (value as AbortSignal).addEventListener === 'function'
  );
}
