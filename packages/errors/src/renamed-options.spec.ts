import { refuseRenamedOptions } from './renamed-options.js';

class BadOption extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}
const invalid = (field: string, message: string) => new BadOption(field, message);
const renamed = { timeout: 'use timeoutMs, in milliseconds', max_tokens: 'use maxTokens' };

describe('refuseRenamedOptions', () => {
  it('refuses a renamed option with its advice and names the field', () => {
    expect(() => refuseRenamedOptions({ timeout: 30 }, renamed, invalid)).toThrow(
      'unknown option "timeout"; use timeoutMs, in milliseconds',
    );
    expect(() => refuseRenamedOptions({ max_tokens: 1 }, renamed, invalid, 'compress.')).toThrow(
      expect.objectContaining({ field: 'compress.max_tokens' }),
    );
  });

  it('refuses a renamed option even when its value is undefined', () => {
    expect(() => refuseRenamedOptions({ timeout: undefined }, renamed, invalid)).toThrow(BadOption);
  });

  it('lets everything else through, for OptionReader to check', () => {
    for (const options of [undefined, null, 5, {}, { timeoutMs: 1000, toString: 1 }, Object.create({ timeout: 1 })]) {
      expect(() => refuseRenamedOptions(options, renamed, invalid)).not.toThrow();
    }
  });
});
