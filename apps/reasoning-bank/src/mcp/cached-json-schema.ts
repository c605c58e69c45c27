import type { z } from 'zod';

type JsonSchemaOptions = { target: string } & Record<string, unknown>;
type Converter = (options: JsonSchemaOptions) => Record<string, unknown>;
interface StandardWithJsonSchema {
  jsonSchema?: { input: Converter; output: Converter };
}

/**
 * The same zod schema, its JSON Schema conversions made once. The MCP SDK converts every tool's input and output
 * schema on each `tools/list`, and again for the fresh server of each stateless 2026-07-28 request; with 17 tools
 * that was most of the server's CPU per request. Validation stays the schema's own; only the conversion is cached,
 * and the JSON Schema it returns is frozen so that no caller can change what the next one gets.
 */
export function withCachedJsonSchema<S extends z.ZodType>(schema: S): S {
  const standard = schema['~standard'] as S['~standard'] & StandardWithJsonSchema;
  const convert = standard.jsonSchema;
  if (!convert) return schema;
  const converted = new Map<string, Record<string, unknown>>();
  const cached =
    (io: 'input' | 'output'): Converter =>
    (options) => {
      const key = `${io}\u0000${JSON.stringify(options)}`;
      let found = converted.get(key);
      if (!found) converted.set(key, (found = deepFreeze(convert[io](options))));
      return found;
    };
  // A prototype link keeps every zod method and `_zod` (the SDK checks it); only `~standard` is this object's own.
  return Object.create(schema, {
    '~standard': { value: { ...standard, jsonSchema: { input: cached('input'), output: cached('output') } }, enumerable: true },
  }) as S;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
