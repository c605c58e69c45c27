// Bounds that some structured-output implementations refuse in strict mode (a 400 for the whole call) or ignore. They
// are left out of the schema sent; the agent checks them itself on the answer (zod, with one repair).
const BOUND_KEYWORDS = new Set([
  'minLength',
  'maxLength',
  'pattern',
  'format',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minItems',
  'maxItems',
  'uniqueItems',
]);

/**
 * A JSON Schema as strict structured outputs accept it across providers: without the `$schema` marker that
 * `z.toJSONSchema` adds and without value bounds. (The agent's own schemas already list every property as required
 * and forbid extra ones, as strict mode asks.)
 */
export function strictJsonSchema(schema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _marker, ...rest } = schema;
  return strip(rest) as Record<string, unknown>;
}

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (BOUND_KEYWORDS.has(key)) continue;
    // `properties` maps user names to schemas: its keys are not keywords.
    out[key] = key === 'properties' ? mapValues(child) : strip(child);
  }
  return out;
}

function mapValues(properties: unknown): unknown {
  if (typeof properties !== 'object' || properties === null) return properties;
  return Object.fromEntries(Object.entries(properties).map(([name, schema]) => [name, strip(schema)]));
}
