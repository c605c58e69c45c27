import fc from 'fast-check';
import { get_encoding } from 'tiktoken';
import { splitBlocks, TokenCounter } from './token-counter.js';
import { Tokenizer, type Encoding } from './tokenizer.js';

// Characters that decide where tiktoken's pieces start and end: line breaks, spaces of every kind, the slash o200k
// glues to symbols, symbols, letters, combining marks, digits, CJK, emoji, and a special token's text.
const pieces = [
  '\n', '\n\n', '\r\n', ' ', '  ', '\t', '/', '//', '.', ';', '});', '*/', '#', '`', '"', "'s", 'a', 'Word', 'x1',
  '123456', '日本語', '\u3000', '\u0085', '\u00a0', '\ufeff', 'e\u0301', '🙂', '<|endoftext|>', '- item', '  indented',
  '\n  ', '\n\t\t', ' \r', '\r', '\n    return x;', '\u2028', '\x1f',
];
const text = fc.array(fc.constantFrom(...pieces), { maxLength: 60 }).map((p) => p.join(''));

describe.each<Encoding>(['o200k_base', 'cl100k_base'])('TokenCounter (%s)', (encoding) => {
  const tokenizer = new Tokenizer(encoding);
  afterAll(() => tokenizer.free());

  it('gives the tokens of a whole encode, block by block', () => {
    fc.assert(
      fc.property(text, (t) => {
        const counter = new TokenCounter(tokenizer, 0);
        expect(Array.from(counter.tokens(t))).toEqual(Array.from(tokenizer.encode(t)));
        // Not by luck of the fallback: no token ever spanned two blocks.
        expect(counter.fallbacks).toBe(0);
      }),
      { numRuns: 2000 },
    );
  });

  it('stays exact when a text changes and its unchanged blocks are reused', () => {
    fc.assert(
      fc.property(text, fc.array(fc.tuple(fc.nat(), fc.constantFrom(...pieces)), { minLength: 1, maxLength: 4 }), (t, edits) => {
        const counter = new TokenCounter(tokenizer, 0);
        expect(counter.count(t)).toBe(tokenizer.count(t));
        let edited = t;
        for (const [at, insert] of edits) {
          const i = edited.length === 0 ? 0 : at % edited.length;
          edited = edited.slice(0, i) + insert + edited.slice(i + 1);
          expect(counter.count(edited)).toBe(tokenizer.count(edited));
        }
        expect(counter.fallbacks).toBe(0);
      }),
      { numRuns: 1000 },
    );
  });

  it('agrees with tiktoken itself on text without long runs', () => {
    const raw = get_encoding(encoding);
    try {
      fc.assert(
        fc.property(text, (t) => {
          expect(new TokenCounter(tokenizer, 0).count(t)).toBe(raw.encode_ordinary(t).length);
        }),
        { numRuns: 500 },
      );
    } finally {
      raw.free();
    }
  });

  it('stays exact around long runs, which both count in the same chunks', () => {
    const runs = ['x'.repeat(1500), ' '.repeat(1200), '\n'.repeat(1100), '/\n'.repeat(700), '\u3000'.repeat(1300), '=+'.repeat(800)];
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom(...runs), fc.constantFrom(...pieces)), { maxLength: 12 }), (parts) => {
        const t = parts.join('');
        const counter = new TokenCounter(tokenizer, 0);
        expect(counter.count(t)).toBe(tokenizer.count(t));
        expect(counter.fallbacks).toBe(0);
      }),
      { numRuns: 200 },
    );
  });
});

describe('splitBlocks', () => {
  it('may cut after a line break before a line that starts a piece, and nowhere else', () => {
    expect(splitBlocks('a\nb\n  c\n/d\n\ne\n \rf\n', 0)).toEqual(['a\n', 'b\n', '  c\n/d\n\n', 'e\n \rf\n']);
    expect(splitBlocks('', 0)).toEqual([]);
    expect(splitBlocks(' lead\nx', 0)).toEqual([' lead\n', 'x']);
  });

  it('cuts an edited text like the original away from the edit', () => {
    const lines = Array.from({ length: 400 }, (_, i) => `Line ${i} of the prompt, ${'x'.repeat(i % 37)}.`);
    const before = splitBlocks(lines.join('\n'));
    const after = splitBlocks([...lines.slice(0, 10), ...lines.slice(11)].join('\n'));
    const shared = after.filter((b) => before.includes(b)).length;
    expect(before.length).toBeGreaterThan(300);
    expect(shared).toBeGreaterThanOrEqual(after.length - 1);
  });
});

describe('TokenCounter with its default blocks', () => {
  const tokenizer = new Tokenizer('o200k_base');
  afterAll(() => tokenizer.free());

  it('counts exactly, edit after edit', () => {
    fc.assert(
      fc.property(fc.array(text, { minLength: 5, maxLength: 30 }), fc.nat(), (paragraphs, drop) => {
        const counter = new TokenCounter(tokenizer);
        const full = paragraphs.join('\n');
        const edited = paragraphs.filter((_, i) => i !== drop % paragraphs.length).join('\n');
        expect([counter.count(full), counter.count(edited)]).toEqual([tokenizer.count(full), tokenizer.count(edited)]);
        expect(counter.fallbacks).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});
