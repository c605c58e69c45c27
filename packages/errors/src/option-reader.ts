import { describeValue } from './describe-value.js';

/** Makes the package's own error for a bad option: `field` names it, `message` says what was expected and got. */
export type InvalidOptionFactory = (field: string, message: string) => Error;

interface NumberRule<D> {
  /** Used when the option is `undefined`. */
  default: D;
  /** Inclusive bounds. */
  min?: number;
  max?: number;
  /** Exclusive lower bound, for "a positive number". */
  above?: number;
  /** Whether `Infinity` is allowed (e.g. a TTL that never expires). Defaults to `false`. */
  allowInfinity?: boolean;
}

/**
 * Reads one options object the same way in every package: `undefined` means "use the default", anything else must be
 * of the documented type and range, and an unknown key (a typo, or the seed's `max_tokens` spelling) is refused with
 * the list of valid names. Errors are the package's own, built by `invalid`.
 */
export class OptionReader {
  private readonly values: Readonly<Record<string, unknown>>;

  constructor(
    options: unknown,
    private readonly known: readonly string[],
    private readonly invalid: InvalidOptionFactory,
    /** Prefix of field names, e.g. `cache.` for nested options. */
    private readonly prefix = '',
  ) {
    if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
      throw invalid(prefix.replace(/\.$/, '') || 'options', `options must be an object, got ${describeValue(options)}`);
    }
    this.values = (options ?? {}) as Record<string, unknown>;
    for (const key of Object.keys(this.values)) {
      if (!known.includes(key)) {
        throw invalid(
          `${prefix}${key}`,
          `unknown option ${describeValue(key)}; valid options are ${known.map((k) => `${prefix}${k}`).join(', ')}`,
        );
      }
    }
  }

  /** The raw value, for options a caller checks itself. */
  raw(key: string): unknown {
    this.assertKnown(key);
    return this.values[key];
  }

  integer<D extends number | undefined>(key: string, rule: NumberRule<D>): number | D {
    const value = this.raw(key);
    if (value === undefined) return rule.default;
    if (!Number.isSafeInteger(value)) this.fail(key, 'an integer', value);
    return this.checkRange(key, value as number, rule, 'an integer');
  }

  number<D extends number | undefined>(key: string, rule: NumberRule<D>): number | D {
    const value = this.raw(key);
    if (value === undefined) return rule.default;
    const ok = typeof value === 'number' && !Number.isNaN(value) && (Number.isFinite(value) || rule.allowInfinity === true);
    if (!ok) this.fail(key, rule.allowInfinity ? 'a number' : 'a finite number', value);
    return this.checkRange(key, value as number, rule, 'a number');
  }

  boolean<D extends boolean | undefined>(key: string, fallback: D): boolean | D {
    const value = this.raw(key);
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') this.fail(key, 'a boolean', value);
    return value as boolean;
  }

  string<D extends string | undefined>(key: string, fallback: D, rule: { minLength?: number; maxLength?: number } = {}): string | D {
    const value = this.raw(key);
    if (value === undefined) return fallback;
    const min = rule.minLength ?? 1;
    const max = rule.maxLength ?? Infinity;
    if (typeof value !== 'string' || value.length < min || value.length > max) {
      this.fail(key, max === Infinity ? `a string of at least ${min} characters` : `a string of ${min}-${max} characters`, value);
    }
    return value as string;
  }

  oneOf<const T extends string, D extends T | undefined>(key: string, allowed: readonly T[], fallback: D): T | D {
    const value = this.raw(key);
    if (value === undefined) return fallback;
    if (!allowed.includes(value as T)) this.fail(key, `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`, value);
    return value as T;
  }

  function<F extends (...args: never[]) => unknown, D extends F | undefined>(key: string, fallback: D): F | D {
    const value = this.raw(key);
    if (value === undefined) return fallback;
    if (typeof value !== 'function') this.fail(key, 'a function', value);
    return value as F;
  }

  /** A nested options object, read by its own reader with the same error factory. */
  nested(key: string, known: readonly string[]): OptionReader {
    return new OptionReader(this.raw(key), known, this.invalid, `${this.prefix}${key}.`);
  }

  /** Throws the package's error for `key`: "<field> must be <expected>, got <value>". */
  fail(key: string, expected: string, got: unknown): never {
    throw this.invalid(`${this.prefix}${key}`, `${this.prefix}${key} must be ${expected}, got ${describeValue(got)}`);
  }

  private checkRange<D>(key: string, value: number, rule: NumberRule<D>, kind: string): number {
    const { min, max, above } = rule;
    if ((min !== undefined && value < min) || (max !== undefined && value > max) || (above !== undefined && value <= above)) {
      const low = above !== undefined ? `> ${above}` : min !== undefined ? `>= ${min}` : undefined;
      const high = max !== undefined ? `<= ${max}` : undefined;
      this.fail(key, `${kind} ${[low, high].filter(Boolean).join(' and ')}`, value);
    }
    return value;
  }

  private assertKnown(key: string): void {
    // A reader asked for a key it did not declare is a bug in the package, not bad user input.
    if (!this.known.includes(key)) throw new TypeError(`option ${key} is read but not declared as known`);
  }
}
