import type { z } from 'zod';
import { invalidInput } from './errors.js';

/**
 * Parses `value` with `schema`, or throws an `AgentError` `INVALID_INPUT` whose `field` is the path of the first bad
 * field (`trajectory[2].output`), prefixed by `root`.
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, root: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  let path: PropertyKey[] = [...issue.path];
  if (issue.code === 'unrecognized_keys' && issue.keys.length > 0) path = [...path, issue.keys[0]!];
  const field = formatPath(root, path);
  const message = issue.code === 'unrecognized_keys' ? `${field} is not a known field` : `${field}: ${issue.message}`;
  throw invalidInput(field, message);
}

function formatPath(root: string, path: readonly PropertyKey[]): string {
  let out = root;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else {
      const name = String(part);
      out += /^[A-Za-z_$][\w$]*$/.test(name) ? `${out === '' ? '' : '.'}${name}` : `[${JSON.stringify(name.slice(0, 100))}]`;
    }
  }
  return out === '' ? 'input' : out;
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
