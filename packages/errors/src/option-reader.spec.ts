import { OptionReader } from './option-reader.js';
import { describeValue } from './describe-value.js';

class BadOption extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}
const invalid = (field: string, message: string) => new BadOption(field, message);
const read = (options: unknown) => new OptionReader(options, ['maxSize', 'ttlSeconds', 'name', 'mode', 'now', 'nested'], invalid);

function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof BadOption) return error.field;
    throw error;
  }
  throw new Error('expected a BadOption');
}

describe('OptionReader', () => {
  it('returns defaults for undefined options and for missing keys', () => {
    expect(read(undefined).integer('maxSize', { default: 1000, min: 1 })).toBe(1000);
    expect(read({}).string('name', 'memory')).toBe('memory');
    expect(read({ mode: undefined }).oneOf('mode', ['a', 'b'], 'a')).toBe('a');
  });

  it('refuses unknown keys and lists the valid ones', () => {
    expect(() => read({ max_size: 5 })).toThrow(/unknown option "max_size"; valid options are maxSize, ttlSeconds/);
    expect(fieldOf(() => read({ timout: 5 }))).toBe('timout');
  });

  it('refuses non-object options', () => {
    for (const bad of [null, 5, 'x', []]) expect(fieldOf(() => read(bad))).toBe('options');
  });

  it('checks types and ranges and names the field', () => {
    expect(() => read({ maxSize: 0 }).integer('maxSize', { default: 1, min: 1 })).toThrow('maxSize must be an integer >= 1, got 0');
    expect(() => read({ maxSize: 1.5 }).integer('maxSize', { default: 1, min: 1 })).toThrow(/an integer/);
    expect(() => read({ maxSize: 1e9 }).integer('maxSize', { default: 1, min: 1, max: 1e7 })).toThrow(/<= 10000000/);
    expect(() => read({ ttlSeconds: 0 }).number('ttlSeconds', { default: 1, above: 0 })).toThrow(/> 0/);
    expect(() => read({ ttlSeconds: Infinity }).number('ttlSeconds', { default: 1, above: 0 })).toThrow(/finite/);
    expect(read({ ttlSeconds: Infinity }).number('ttlSeconds', { default: 1, above: 0, allowInfinity: true })).toBe(Infinity);
    expect(() => read({ ttlSeconds: NaN }).number('ttlSeconds', { default: 1, allowInfinity: true })).toThrow(/a number/);
    expect(() => read({ name: '' }).string('name', 'x')).toThrow(/at least 1/);
    expect(() => read({ mode: 'c' }).oneOf('mode', ['a', 'b'], 'a')).toThrow('mode must be one of "a", "b", got "c"');
    expect(() => read({ now: 5 }).function('now', Date.now)).toThrow('now must be a function, got 5');
  });

  it('prefixes nested option names', () => {
    const nested = read({ nested: { maxSize: -1 } }).nested('nested', ['maxSize']);
    expect(fieldOf(() => nested.integer('maxSize', { default: 1, min: 1 }))).toBe('nested.maxSize');
    expect(fieldOf(() => read({ nested: { other: 1 } }).nested('nested', ['maxSize']))).toBe('nested.other');
  });

  it('treats a key it was not told about as a bug in the package', () => {
    expect(() => read({}).integer('undeclared', { default: 1 })).toThrow(TypeError);
  });
});

describe('describeValue', () => {
  it('cuts long strings and never serialises objects', () => {
    const shown = describeValue('k'.repeat(10_000_000));
    expect(shown.length).toBeLessThan(100);
    expect(shown).toContain('10000000 characters');
    expect(describeValue({ apiKey: 'sk-secret' })).toBe('an object');
    expect(describeValue([1, 2])).toBe('an array of 2');
    expect(describeValue(10n)).toBe('10n');
  });
});
