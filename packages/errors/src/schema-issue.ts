/**
 * What a schema validator says of one bad value: zod's issues have this shape (`code`, `path`, `message`, and `keys`
 * for unknown keys), so callers pass `error.issues[0]` as it is; this package does not depend on zod.
 */
export interface SchemaIssue {
  readonly code: string;
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly keys?: readonly string[];
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * `root` + `['memories', 1, 'title']` -> `root.memories[1].title`. Names that are not identifiers are quoted and cut
 * to 100 characters (a crafted 1 MB key must not become a 1 MB field name); an empty result is `input`.
 */
export function formatFieldPath(root: string, path: readonly PropertyKey[]): string {
  let out = root;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else {
      const name = String(part);
      out += IDENTIFIER.test(name) ? `${out === '' ? '' : '.'}${name}` : `[${JSON.stringify(name.slice(0, 100))}]`;
    }
  }
  return out === '' ? 'input' : out;
}

/**
 * The field a schema issue is about, prefixed by `root`, and a message that starts with it. An unknown key is
 * reported as its own path (`trace.colour is not a known field`), not as its parent object.
 */
export function describeSchemaIssue(issue: SchemaIssue, root: string): { field: string; message: string } {
  const unknownKey = issue.code === 'unrecognized_keys' ? issue.keys?.[0] : undefined;
  const field = formatFieldPath(root, unknownKey === undefined ? issue.path : [...issue.path, unknownKey]);
  return { field, message: unknownKey === undefined ? `${field}: ${issue.message}` : `${field} is not a known field` };
}
