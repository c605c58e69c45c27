// Readers of untrusted wire JSON: a provider (or a proxy in front of it) may send anything.

/** A token count: a non-negative safe integer, else `undefined`. */
export function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

export function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** The JSON object of one server-sent event's data, `undefined` when it is not one. */
export function parseEvent(data: string): Record<string, unknown> | undefined {
  try {
    return asObject(JSON.parse(data));
  } catch {
    return undefined;
  }
}
