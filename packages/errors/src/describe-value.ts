const MAX_SHOWN = 40;

/**
 * A short description of a value for an error message: strings are quoted and cut (a 10 MB key must not become a
 * 10 MB message), objects and arrays are named, never serialised (they may hold secrets or cycles).
 */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'string': {
      const cut = [...value.slice(0, MAX_SHOWN + 2)];
      const shown = cut.length > MAX_SHOWN ? `${cut.slice(0, MAX_SHOWN).join('')}...` : value;
      return value.length > MAX_SHOWN ? `${JSON.stringify(shown)} (${value.length} characters)` : JSON.stringify(shown);
    }
    case 'number':
    case 'boolean':
    case 'undefined':
      return String(value);
    case 'bigint':
      return `${value}n`;
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
    default:
      if (value === null) return 'null';
      if (Array.isArray(value)) return `an array of ${value.length}`;
      return 'an object';
  }
}
