import { get_encoding } from 'tiktoken';
import { longRuns } from './long-runs.js';
import { LONG_RUN_BYTES, LONG_RUN_CHUNK_BYTES, Tokenizer } from './tokenizer.js';

// Inputs that make one huge tiktoken piece, each with the class of run that must catch it.
const pathological: [string, (n: number) => string][] = [
  ['letters', (n) => 'x'.repeat(n)],
  ['spaces', (n) => ' '.repeat(n)],
  ['line breaks', (n) => '\n'.repeat(n)],
  ['ideographic spaces', (n) => '\u3000'.repeat(n)],
  ['CJK without spaces', (n) => '漢字仮名'.repeat(n / 4)],
  ['symbols', (n) => '=+-*'.repeat(n / 4)],
  ['slashes and line breaks', (n) => '/\n'.repeat(n / 2)],
  ['tabs', (n) => '\t'.repeat(n)],
];

describe('longRuns', () => {
  it.each(pathological)('finds a run of %s, with the line breaks or the stop next to it', (_name, make) => {
    const run = make(600);
    const runs = longRuns(`Intro.\n${run}\nOutro.`, LONG_RUN_BYTES);
    expect(runs).toHaveLength(1);
    const [[start, end]] = runs as [[number, number]];
    expect([start <= 7 && start >= 5, end >= 7 + run.length && end <= 9 + run.length]).toEqual([true, true]);
  });

  it('finds nothing in prose, code or base64, whose pieces stay short', () => {
    const base64 = Buffer.from(Array.from({ length: 30_000 }, (_, i) => (i * 7919) % 256)).toString('base64');
    const text = 'The agent retried the request.\n```ts\nconst x = await pool.postJson(url, { json: {} });\n```\n'.repeat(200);
    expect(longRuns(text + base64, LONG_RUN_BYTES)).toEqual([]);
  });
});

describe('counts of long runs', () => {
  const tokenizer = new Tokenizer('o200k_base');
  const raw = get_encoding('o200k_base');
  afterAll(() => {
    tokenizer.free();
    raw.free();
  });

  // tiktoken alone is quadratic on these, so the comparison uses 5000 characters, where it still finishes quickly.
  // The README states the tolerance: at most 2 tokens per chunk, either way.
  it.each(pathological)('stay within 2 tokens per chunk of tiktoken on %s', (_name, make) => {
    const text = `Before.\n${make(5000)}\nAfter.`;
    const exact = raw.encode_ordinary(text).length;
    const chunks = Math.ceil(Buffer.byteLength(text) / LONG_RUN_CHUNK_BYTES);
    expect(Math.abs(tokenizer.count(text) - exact)).toBeLessThanOrEqual(2 * chunks);
  });
});
