import { CompressError } from './errors.js';
import { splitFences } from './fences.js';
import { PromptCompressor } from './prompt-compressor.js';
import type { PromptCompressorOptions } from './prompt-compressor-options.js';

const memory = (i: number): string =>
  [
    `## Memory ${i}: Check the API contract before retrying`,
    'Description: when a call fails, read the error body before changing the request.',
    'Content: Always log the status code and the response body; retry only on 429 and 5xx responses.',
  ].join('\n');

describe('PromptCompressor', () => {
  const compressors: PromptCompressor[] = [];
  const make = (options?: PromptCompressorOptions): PromptCompressor => {
    const c = new PromptCompressor(options);
    compressors.push(c);
    return c;
  };
  afterEach(() => compressors.splice(0).forEach((c) => c.dispose()));

  describe('options', () => {
    it.each<[PromptCompressorOptions, string]>([
      [{ maxTokens: 0 }, 'maxTokens'],
      [{ maxTokens: 10.5 }, 'maxTokens'],
      [{ compressionRatio: 0 }, 'compressionRatio'],
      [{ compressionRatio: 1.2 }, 'compressionRatio'],
      [{ compressionRatio: Number.NaN }, 'compressionRatio'],
      [{ headRatio: -0.1 }, 'headRatio'],
      [{ encoding: 'p50k_base' as never }, 'encoding'],
      [{ encoding: 'cl100k_base', model: 'gpt-4' }, 'encoding'],
      [{ model: '' }, 'model'],
      [{ max_tokens: 100 } as never, 'max_tokens'],
    ])('rejects %j naming the field %s', (options, field) => {
      let error: unknown;
      try {
        make(options);
      } catch (e) {
        error = e;
      }
      expect(CompressError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ code: 'INVALID_OPTIONS', field });
      expect((error as Error).message).toContain(field);
    });

    it.each([
      ['max_tokens', 'use maxTokens'],
      ['compression_ratio', 'use compressionRatio'],
      ['maxTokenz', 'valid options are maxTokens, compressionRatio, encoding, model, headRatio'],
    ])('refuses %s with a message in plain English', (name, advice) => {
      expect(() => make({ [name]: 1 } as never)).toThrow(`unknown option "${name}"; ${advice}`);
    });

    it('uses the seed defaults and derives the target from them', () => {
      const c = make();
      expect([c.maxTokens, c.compressionRatio, c.headRatio, c.encoding, c.targetTokens]).toEqual([12000, 0.7, 0.6, 'o200k_base', 8400]);
    });

    it('picks the encoding of the model', () => {
      expect(make({ model: 'gpt-4o-mini' }).encoding).toBe('o200k_base');
      expect(make({ model: 'openai/gpt-4.1' }).encoding).toBe('o200k_base');
      expect(make({ model: 'gpt-4-turbo' }).encoding).toBe('cl100k_base');
      expect(make({ model: 'gpt-3.5-turbo' }).encoding).toBe('cl100k_base');
      expect(make({ model: 'gpt-5' }).encoding).toBe('o200k_base');
    });
  });

  it('counts tokens exactly with the chosen encoding', () => {
    expect(make().countTokens('hello world')).toBe(2);
    // o200k_base has a much larger vocabulary for non-Latin scripts.
    expect(make().countTokens('नमस्ते दुनिया')).toBe(5);
    expect(make({ encoding: 'cl100k_base' }).countTokens('नमस्ते दुनिया')).toBe(13);
    expect(make().countTokens('')).toBe(0);
    expect(make().countTokens('<|endoftext|>')).toBeGreaterThan(1);
  });

  it('returns a prompt under the target unchanged, even with messy whitespace', () => {
    const text = 'Task:   sort   the list.\n\n\n\n```js\n// why\nx()\n```';
    const { text: out, report } = make().compress(text);
    expect(out).toBe(text);
    expect(report.techniques).toEqual([]);
    expect(report.reduction).toBe(0);
  });

  it('stops after whitespace when that reaches the target, leaving code comments in place', () => {
    const code = '```python\n# explain\nx = 1\n```';
    const messy = Array.from({ length: 40 }, (_, i) => `Item\t ${i}:  \t check \t  it.   `).join('\n\n\n');
    const clean = Array.from({ length: 40 }, (_, i) => `Item ${i}: check it.`).join('\n\n');
    const probe = make();
    // A budget that whitespace alone reaches exactly.
    const c = make({ maxTokens: probe.countTokens(`${clean}\n\n${code}`), compressionRatio: 1 });
    const { text: out, report } = c.compress(`${messy}\n\n\n\n${code}`);
    expect(out).toBe(`${clean}\n\n${code}`);
    expect(report.techniques).toEqual(['whitespace']);
    expect(report.reduction).toBeGreaterThan(0.3);
  });

  it('strips comments from known languages only, keeping fences and language tags', () => {
    const text = [
      'Fix the bug.',
      '```ts',
      '// explain everything at length here, at length, at length',
      'const a = "//kept"; /* gone */',
      '```',
      '```haskell',
      '-- a Haskell comment stays, we do not lex Haskell',
      'main = pure ()',
      '```',
    ].join('\n');
    const { text: out, report } = make({ maxTokens: 40, compressionRatio: 0.1 }).compress(text);
    expect(report.techniques).toEqual(['code']);
    expect(out).toBe(
      [
        'Fix the bug.',
        '```ts',
        'const a = "//kept";',
        '```',
        '```haskell',
        '-- a Haskell comment stays, we do not lex Haskell',
        'main = pure ()',
        '```',
      ].join('\n'),
    );
  });

  it('removes memories that repeat, keeping the first of each', () => {
    const text = ['# Relevant memories', memory(1), '', memory(1), '', memory(2), '', '# Task', 'Call the API.'].join('\n');
    const { text: out, report } = make({ maxTokens: 200, compressionRatio: 0.3 }).compress(text);
    expect(report.techniques).toEqual(['dedupe']);
    expect(out.match(/Memory 1/g)).toHaveLength(1);
    expect(out).toContain('## Memory 2'); // a distinct heading stays, its repeated lines go
    expect(out.match(/Always log the status code/g)).toHaveLength(1);
    expect(out).toContain('# Task\nCall the API.');
  });

  it('truncates on sentence boundaries, keeping the head and tail, with a counted marker', () => {
    const sentences = Array.from({ length: 200 }, (_, i) => `Step ${i} of the plan is done.`);
    const text = sentences.join(' ');
    const c = make({ maxTokens: 100 });
    const { text: out, report } = c.compress(text);
    expect(report.techniques).toEqual(['truncate']);
    expect(report.finalTokens).toBe(c.countTokens(out));
    expect(report.finalTokens).toBeLessThanOrEqual(100);
    const [head, marker, tail] = out.split('\n');
    expect(head).toMatch(/^Step 0 of the plan is done\..*\.$/);
    expect(marker).toMatch(/^\[\.\.\. \d+ tokens omitted \.\.\.\]$/);
    expect(tail).toMatch(/^Step \d+ of the plan is done\..*Step 199 of the plan is done\.$/);
    // headRatio 0.6: the head keeps more than the tail.
    expect(c.countTokens(head!)).toBeGreaterThan(c.countTokens(tail!));
  });

  it('keeps only the head with headRatio 1, only the tail with headRatio 0', () => {
    const text = Array.from({ length: 100 }, (_, i) => `Line ${i}.`).join('\n');
    expect(make({ maxTokens: 40, headRatio: 1 }).compress(text).text).toMatch(/^Line 0\.\n[\s\S]*\n\[\.\.\. \d+ tokens omitted \.\.\.\]$/);
    expect(make({ maxTokens: 40, headRatio: 0 }).compress(text).text).toMatch(/^\[\.\.\. \d+ tokens omitted \.\.\.\]\n[\s\S]*Line 99\.$/);
  });

  it('closes and reopens a fence when the cut falls inside code, between statements', () => {
    const body = Array.from({ length: 150 }, (_, i) => `  const v${i} = "s${i}";`).join('\n');
    const text = `Intro.\n\n\`\`\`js\nfunction f() {\n${body}\n}\n\`\`\`\nOutro.`;
    const { text: out, report } = make({ maxTokens: 120 }).compress(text);
    expect(report.finalTokens).toBeLessThanOrEqual(120);
    const segments = splitFences(out);
    expect(segments.map((s) => s.kind)).toEqual(['prose', 'code', 'prose', 'code', 'prose']);
    for (const s of segments) {
      if (s.kind === 'code') {
        expect(s.open).toBe('```js');
        expect(s.close).toBe('```');
        s.body.forEach((line) => expect(line).toMatch(/^(function f\(\) \{| {2}const v\d+ = "s\d+";|\})$/));
      }
    }
    expect(out.endsWith('```\nOutro.')).toBe(true);
  });

  it('cuts a long prompt of many code blocks, some empty, on exact line boundaries of the original', () => {
    const sections = Array.from({ length: 80 }, (_, i) => `Section ${i} explains one more step.\n\`\`\`py\n${i % 3 === 0 ? '' : `x${i} = ${i}\n`}\`\`\``);
    const text = ['Intro of the prompt.', ...sections, 'Final line of the prompt.'].join('\n');
    const { text: out, report } = make({ maxTokens: 150, compressionRatio: 1 }).compress(text);
    expect(report.techniques).toEqual(['truncate']);
    const lines = out.split('\n');
    const at = lines.findIndex((l) => /^\[\.\.\. \d+ tokens omitted \.\.\.\]$/.test(l));
    const head = lines.slice(0, at).join('\n');
    const tail = lines.slice(at + 1).join('\n');
    // Cut between lines, outside code: the head and the tail are the original's own lines, fences balanced.
    expect(text.startsWith(`${head}\n`)).toBe(true);
    expect(text.endsWith(`\n${tail}`)).toBe(true);
    expect(tail.endsWith('Final line of the prompt.')).toBe(true);
    for (const part of [head, tail]) expect(splitFences(part).every((seg) => seg.kind === 'prose' || seg.close !== undefined)).toBe(true);
  });

  it('never cuts a multi-byte character, even in text without any boundary', () => {
    const text = '日本語🙂'.repeat(2000);
    const c = make({ maxTokens: 50 });
    const { text: out } = c.compress(text);
    expect(out).not.toContain('\uFFFD');
    expect(c.countTokens(out)).toBeLessThanOrEqual(50);
    expect(out.startsWith('日本語🙂')).toBe(true);
  });

  it('handles a long run without spaces (a base64 blob), which tiktoken alone encodes in quadratic time', () => {
    const blob = Buffer.from(Array.from({ length: 150_000 }, (_, i) => (i * 7919) % 256)).toString('base64');
    const c = make({ maxTokens: 500 });
    const { text, report } = c.compress(`Attached image:\n${blob}\nDescribe it.`);
    expect(report.originalTokens).toBeGreaterThan(50_000);
    expect(report.finalTokens).toBeLessThanOrEqual(500);
    expect(text.startsWith('Attached image:')).toBe(true);
    expect(text.endsWith('Describe it.')).toBe(true);
  });

  it('rejects a non-string input with INVALID_INPUT', () => {
    expect(() => make().compress(42 as never)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', field: 'text' }));
  });

  it('throws DISPOSED after dispose(), while another compressor sharing the encoder keeps working', () => {
    const a = make();
    const b = make();
    a.dispose();
    a.dispose();
    expect(() => a.compress('x')).toThrow(expect.objectContaining({ code: 'DISPOSED' }));
    expect(b.countTokens('hello world')).toBe(2);
  });
});
