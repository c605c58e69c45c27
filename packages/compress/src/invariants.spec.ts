import fc from 'fast-check';
import { splitFences } from './fences.js';
import { PromptCompressor } from './prompt-compressor.js';

// Property tests of the promises the README makes. Seeds are fixed by fast-check per run; a failure prints its seed.
const compressors = new Map<string, PromptCompressor>();
const compressor = (maxTokens: number, compressionRatio = 0.7, headRatio = 0.6): PromptCompressor => {
  const key = `${maxTokens}/${compressionRatio}/${headRatio}`;
  let c = compressors.get(key);
  if (!c) compressors.set(key, (c = new PromptCompressor({ maxTokens, compressionRatio, headRatio })));
  return c;
};
afterAll(() => compressors.forEach((c) => c.dispose()));

const word = fc.constantFrom('the', 'agent', 'memory', 'retrieval', 'http://example.com/a#b', 'é', '日本語', '🙂', 'x', 'A');
const sentence = fc
  .array(word, { minLength: 1, maxLength: 12 })
  .chain((ws) => fc.constantFrom('.', '!', '?', '').map((end) => ws.join(fc.sample(fc.constantFrom(' ', '  ', '\t'), 1)[0]) + end));
const proseLine = fc.array(sentence, { minLength: 0, maxLength: 4 }).map((s) => s.join(' '));
const prose = fc.array(fc.oneof(proseLine, fc.constant(''), fc.constant('   ')), { maxLength: 12 }).map((ls) => ls.join('\n'));

type Lang = 'js' | 'python' | 'bash' | 'c' | 'brainfuck';
interface Part {
  text: string;
  comment: boolean;
  literal?: string;
}

const safeChars = (exclude: string) =>
  fc.string({ unit: fc.constantFrom(...[...' ab/*#:-.\'"`$\\{}'].filter((c) => !exclude.includes(c))), maxLength: 12 });
const commentWords = fc.array(fc.constantFrom('note', 'http://example.com', "it's", '"q"', '/*', '#', '`', "'"), { maxLength: 4 }).map((w) => w.join(' '));

function literals(lang: Lang): fc.Arbitrary<string> {
  switch (lang) {
    case 'js':
      return fc.oneof(
        safeChars("'\\\n").map((s) => `'${s}'`),
        safeChars('"\\\n').map((s) => `"${s}"`),
        safeChars('`\\$').map((s) => `\`${s}\``),
      );
    case 'python':
      return fc.oneof(
        safeChars("'\\\n").map((s) => `'${s}'`),
        safeChars('"\\').map((s) => `"""${s.replace(/"$/, '')}\n\n# in a docstring\n"""`),
      );
    case 'bash':
      return fc.oneof(safeChars("'").map((s) => `'${s}'`), safeChars('"\\$`').map((s) => `"${s}"`));
    default:
      return fc.oneof(safeChars('"\\\n').map((s) => `"${s}"`), fc.constantFrom("'a'", "'\\n'", "'/'"));
  }
}

function comments(lang: Lang): fc.Arbitrary<string> {
  if (lang === 'python' || lang === 'bash') return commentWords.map((w) => ` # ${w}\n`);
  return fc.oneof(commentWords.map((w) => ` // ${w}\n`), commentWords.map((w) => ` /* ${w.replaceAll('/', '')} */ `));
}

const codeToken = fc.constantFrom('foo', 'bar2', '=', '(', ')', ';', '+', '42', '\n', '\n    ', '\n\n', ' ', '{', '}', ',');

function codeParts(lang: Lang): fc.Arbitrary<Part[]> {
  const part: fc.Arbitrary<Part> = fc.oneof(
    { weight: 4, arbitrary: codeToken.map((text) => ({ text, comment: false })) },
    { weight: 2, arbitrary: literals(lang).map((literal) => ({ text: ` ${literal} `, comment: false, literal })) },
    { weight: 2, arbitrary: comments(lang).map((text) => ({ text, comment: true })) },
  );
  // A leading token keeps a first-line `#` comment from reading as a shebang.
  return fc.array(part, { maxLength: 30 }).map((parts) => [{ text: 'x ', comment: false }, ...parts]);
}

// Fragments that stress the fence parser and the lexers at once: unclosed fences, heredocs, raw strings, CRLF.
const junk = fc
  .array(
    fc.constantFrom('```js\n', '```python\n', '```sh\n', '```c\n', '```\n', '~~~ts\n', '\n', ' ', '\t', '//', '/*', '*/', '#', "'", '"', '`', '${', '}', '/', 'x = 1', '<<EOF\n', 'EOF\n', '"""', 'http://a.b/c', 'One. ', 'The same line repeated here ok\n', '\\', 'r#"', '"#', '日本', '🙂', '\r\n', '    '),
    { maxLength: 80 },
  )
  .map((pieces) => pieces.join(''));

const lang = fc.constantFrom<Lang>('js', 'python', 'bash', 'c', 'brainfuck');
const codeBlock = lang.chain((l) => codeParts(l).map((parts) => ({ lang: l, parts, code: parts.map((p) => p.text).join('') })));
const prompt = fc
  .array(fc.oneof(prose, codeBlock.map((b) => '```' + b.lang + '\n' + b.code + '\n```')), { maxLength: 6 })
  .map((blocks) => blocks.join('\n\n'));

describe('invariants', () => {
  it('never returns more tokens than maxTokens, whatever the input', () => {
    fc.assert(
      fc.property(fc.oneof(prompt, junk, fc.string({ unit: 'grapheme', maxLength: 600 }), fc.string({ unit: 'binary', maxLength: 400 })),
        fc.integer({ min: 1, max: 120 }), fc.double({ min: 0, max: 1, noNaN: true }), (text, maxTokens, headRatio) => {
          const c = compressor(maxTokens, 0.7, Math.round(headRatio * 4) / 4);
          const { text: out, report } = c.compress(text);
          expect(report.finalTokens).toBe(c.countTokens(out));
          expect(report.finalTokens).toBeLessThanOrEqual(maxTokens);
        }),
      { numRuns: 300 },
    );
  });

  it('keeps every string literal and every non-comment token of fenced code, in order', () => {
    const c = compressor(100_000, 0.00001);
    fc.assert(
      fc.property(codeBlock, ({ lang: l, parts, code }) => {
        const out = c.compress('Fix this:\n\n```' + l + '\n' + code + '\n```\n').text;
        const block = splitFences(out).find((s) => s.kind === 'code');
        const body = block && block.kind === 'code' ? block.body.join('\n') : '';
        if (l === 'brainfuck') {
          expect(body).toBe(code);
          return;
        }
        const squash = (s: string): string => s.replace(/\s+/g, '');
        expect(squash(body)).toBe(squash(parts.filter((p) => !p.comment).map((p) => p.text).join('')));
        let from = 0;
        for (const { literal } of parts) {
          if (literal === undefined) continue;
          const at = body.indexOf(literal, from);
          expect(at).toBeGreaterThanOrEqual(0);
          from = at + literal.length;
        }
      }),
      { numRuns: 400 },
    );
  });

  it('is idempotent: compressing the output again changes nothing', () => {
    fc.assert(
      fc.property(fc.oneof(prompt, junk), fc.integer({ min: 5, max: 400 }), fc.constantFrom(0.01, 0.5, 0.7, 1), (text, maxTokens, ratio) => {
        const c = compressor(maxTokens, ratio);
        const once = c.compress(text).text;
        expect(c.compress(once).text).toBe(once);
      }),
      { numRuns: 1500 },
    );
  });

  it('returns an empty input unchanged', () => {
    const { text, report } = compressor(10).compress('');
    expect(text).toBe('');
    expect(report).toEqual({ originalTokens: 0, finalTokens: 0, reduction: 0, techniques: [] });
  });

  it('fits a huge input (a megabyte of mixed prose and code) into the budget, keeping its start and its end', () => {
    const chunk = 'The agent retried the request. ' + '```js\nconst a = "x"; // note\n```\n';
    const huge = 'START of the prompt.\n' + chunk.repeat(Math.ceil(1_000_000 / chunk.length)) + '\nEND of the prompt.';
    const { text, report } = compressor(2000).compress(huge);
    expect(report.originalTokens).toBeGreaterThan(200_000);
    expect(report.finalTokens).toBeLessThanOrEqual(2000);
    expect(text.startsWith('START of the prompt.')).toBe(true);
    expect(text.endsWith('END of the prompt.')).toBe(true);
    expect(text).toMatch(/\[\.\.\. \d+ tokens omitted \.\.\.\]/);
  });
});
