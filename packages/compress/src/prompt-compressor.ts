import { withSpan } from '@rb/telemetry';
import { CompressError } from './errors.js';
import type { CompressionResult, PromptCompressorOptions, Technique } from './prompt-compressor-options.js';
import { fitSections, type PromptSection, type SectionsResult } from './compress-sections.js';
import { compressLossless } from './lossless.js';
import { ENCODINGS, Tokenizer, encodingForModel, type Encoding } from './tokenizer.js';
import { truncate } from './truncate.js';

/**
 * Fits prompts into a token budget measured with the model's real tokenizer (tiktoken): whitespace, code comments and
 * duplicates go first, truncation keeping the head and the tail last. Compressors of one encoding share one WASM
 * encoder, freed when the last of them is disposed: call `dispose()`.
 */
export class PromptCompressor {
  readonly maxTokens: number;
  readonly compressionRatio: number;
  readonly headRatio: number;
  readonly encoding: Encoding;
  private readonly tokenizer: Tokenizer;

  constructor(options: PromptCompressorOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new CompressError('INVALID_OPTIONS', 'options must be an object', { field: 'options' });
    }
    for (const key of Object.keys(options)) {
      if (!OPTION_NAMES.has(key)) invalidOption(key, `not set: unknown option (known: ${[...OPTION_NAMES].join(', ')})`, options[key as never]);
    }
    const { maxTokens = 12000, compressionRatio = 0.7, headRatio = 0.6, encoding, model } = options;
    if (!Number.isSafeInteger(maxTokens) || maxTokens < 1) invalidOption('maxTokens', 'an integer >= 1', maxTokens);
    if (typeof compressionRatio !== 'number' || !(compressionRatio > 0 && compressionRatio <= 1)) {
      invalidOption('compressionRatio', 'a number in (0, 1]', compressionRatio);
    }
    if (typeof headRatio !== 'number' || !(headRatio >= 0 && headRatio <= 1)) invalidOption('headRatio', 'a number in [0, 1]', headRatio);
    if (encoding !== undefined && model !== undefined) invalidOption('encoding', 'not both `encoding` and `model`', encoding);
    if (encoding !== undefined && !ENCODINGS.includes(encoding)) invalidOption('encoding', `one of ${ENCODINGS.join(', ')}`, encoding);
    if (model !== undefined && (typeof model !== 'string' || model.trim() === '')) invalidOption('model', 'a non-empty string', model);
    this.maxTokens = maxTokens;
    this.compressionRatio = compressionRatio;
    this.headRatio = headRatio;
    this.encoding = encoding ?? (model === undefined ? 'o200k_base' : encodingForModel(model));
    this.tokenizer = new Tokenizer(this.encoding);
  }

  /** Tokens above which `compress` starts working: `floor(maxTokens * compressionRatio)`. */
  get targetTokens(): number {
    return Math.floor(this.maxTokens * this.compressionRatio);
  }

  /** Token count of `text` with this compressor's encoding: exact, except inside unspaced runs of `LONG_RUN_CHARS` or more. */
  countTokens(text: string): number {
    requireString(text, 'text');
    return this.tokenizer.count(text);
  }

  /**
   * Compresses `text` only as far as needed: unchanged when it is already at or under the target, then the safe
   * techniques one by one until it is, then truncation if it is still over `maxTokens`.
   */
  compress(text: string): CompressionResult {
    requireString(text, 'text');
    return withSpan('compress prompt', { 'rb.compress.max_tokens': this.maxTokens }, (span) => {
      const result = this.run(text, this.maxTokens, this.targetTokens);
      span.setAttributes({
        'rb.compress.original_tokens': result.report.originalTokens,
        'rb.compress.final_tokens': result.report.finalTokens,
      });
      return result;
    });
  }

  /**
   * Fits a prompt made of sections into `budget` tokens (defaults to `maxTokens`). Pinned sections are never changed;
   * the others are compressed, then shortened or dropped whole, lowest `priority` first (among equals, the later one).
   * Throws `PinnedOverBudgetError` when the pinned sections alone do not fit.
   */
  compressSections(sections: readonly PromptSection[], budget: number = this.maxTokens): SectionsResult {
    if (!Number.isSafeInteger(budget) || budget < 1) {
      throw new CompressError('INVALID_INPUT', `budget must be an integer >= 1, got ${String(budget)}`, { field: 'budget' });
    }
    const count = (text: string): number => this.tokenizer.count(text);
    return fitSections(sections, budget, {
      count,
      squeeze: (text) => compressLossless(text, count(text), 0, count),
      shrink: (text, tokens) => {
        const { text: out, report } = this.run(text, tokens, tokens);
        return { text: out, techniques: report.techniques };
      },
    });
  }

  /** Frees the WASM encoder. Later calls throw `DISPOSED`; a second `dispose()` does nothing. */
  dispose(): void {
    this.tokenizer.free();
  }

  private run(text: string, maxTokens: number, target: number): CompressionResult {
    const originalTokens = this.tokenizer.count(text);
    const done = (out: string, finalTokens: number, techniques: Technique[]): CompressionResult => ({
      text: out,
      report: { originalTokens, finalTokens, reduction: originalTokens === 0 ? 0 : 1 - finalTokens / originalTokens, techniques },
    });
    if (originalTokens <= target) return done(text, originalTokens, []);
    const lossless = compressLossless(text, originalTokens, target, (t) => this.tokenizer.count(t));
    if (lossless.tokens <= maxTokens) return done(lossless.text, lossless.tokens, lossless.techniques);
    const cut = truncate(this.tokenizer, lossless.text, maxTokens, this.headRatio);
    return done(cut, this.tokenizer.count(cut), [...lossless.techniques, 'truncate']);
  }
}

const OPTION_NAMES = new Set(['maxTokens', 'compressionRatio', 'headRatio', 'encoding', 'model']);

function invalidOption(field: string, expected: string, got: unknown): never {
  throw new CompressError('INVALID_OPTIONS', `${field} must be ${expected}, got ${JSON.stringify(got) ?? String(got)}`, { field });
}

function requireString(value: unknown, field: string): void {
  if (typeof value !== 'string') {
    throw new CompressError('INVALID_INPUT', `${field} must be a string, got ${value === null ? 'null' : typeof value}`, { field });
  }
}
