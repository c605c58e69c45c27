import { describeValue } from './describe-value.js';
import type { InvalidOptionFactory } from './option-reader.js';

/**
 * Refuses options given under a name the package does not use (a name without its unit, the seed's snake_case, an
 * older spelling) with a message that says what to write instead. Call it before `new OptionReader(...)`, which
 * refuses the same keys with the list of valid names only. `renamed` maps each such name to the advice, e.g.
 * `{ timeout: 'use timeoutMs, in milliseconds' }`.
 */
export function refuseRenamedOptions(
  options: unknown,
  renamed: Readonly<Record<string, string>>,
  invalid: InvalidOptionFactory,
  /** Prefix of field names, e.g. `retry.` for nested options. */
  prefix = '',
): void {
  if (typeof options !== 'object' || options === null) return;
  for (const key of Object.keys(renamed)) {
    if (Object.hasOwn(options, key)) {
      throw invalid(`${prefix}${key}`, `unknown option ${describeValue(`${prefix}${key}`)}; ${renamed[key]}`);
    }
  }
}
