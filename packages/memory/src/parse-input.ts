import type { z } from 'zod';
import { invalidInput } from './errors.js';

/**
 * Parses `value` with `schema`, or throws a `MemoryError` `INVALID_INPUT` whose `field` is the path of the first bad
 * field (`trace.memories[1].title`), prefixed by `root`. An unknown key is reported as its own path.
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, root: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  let path = [...issue.path];
  if (issue.code === 'unrecognized_keys' && issue.keys.length > 0) path = [...path, issue.keys[0]!];
  const field = formatPath(root, path);
  const message =
    issue.code === 'unrecognized_keys' ? `${field} is not a known field` : `${field}: ${issue.message}`;
  throw invalidInput(field, message);
}

/** `root` + `['memories', 1, 'title']` -> `root.memories[1].title`. */
export function formatPath(root: string, path: readonly PropertyKey[]): string {
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
