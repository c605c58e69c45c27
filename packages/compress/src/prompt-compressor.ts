import { trace, type Tracer, type TracerProvider } from '@opentelemetry/api';
import { describeValue } from '@rb/errors';
import { fitSections, type PromptSection, type SectionsResult } from './compress-sections.js';
import { CompressError } from './errors.js';
import { compressLossless } from './lossless.js';
import { resolveCompressorOptions, type CompressionResult, type PromptCompressorOptions, type Technique } from './prompt-compressor-options.js';
import { TokenCounter } from './token-counter.js';
import { Tokenizer, type Encoding } from './tokenizer.js';
import { truncate } from './truncate.js';
import { VERSION } from './version.js';

// Looked up per global provider, so a compressor made before the app starts its SDK still reports to it.
const tracers = new WeakMap<TracerProvider, Tracer>();
function tracer(): Tracer {
  const provider = trace.getTracerProvider();
  let found = tracers.get(provider);
  if (!found) tracers.set(provider, (found = provider.getTracer('@rb/compress', VERSION)));
  return found;
}

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
    const o = resolveCompressorOptions(options);
    this.maxTokens = o.maxTokens;
    this.compressionRatio = o.compressionRatio;
    this.headRatio = o.headRatio;
    this.encoding = o.encoding;
    this.tokenizer = new Tokenizer(this.encoding);
  }

  /** Tokens above which `compress` starts working: `floor(maxTokens * compressionRatio)`. */
  get targetTokens(): number {
    return Math.floor(this.maxTokens * this.compressionRatio);
  }

  /** Token count of `text` with this compressor's encoding: exact, except inside runs of `LONG_RUN_BYTES` or more. */
  countTokens(text: string): number {
    requireString(text, 'text');
    return this.tokenizer.count(text);
  }

  /**
   * Compresses `text` only as far as needed: unchanged when it is already at or under the target, then the safe
   * techniques one by one until it is, then truncation if it is still over `maxTokens`. One span `compress prompt`.
   */
  compress(text: string): CompressionResult {
    requireString(text, 'text');
    const span = tracer().startSpan('compress prompt');
    try {
      const result = this.run(new TokenCounter(this.tokenizer), text, this.maxTokens, this.targetTokens);
      if (span.isRecording()) {
        span.setAttributes({
          'rb.compress.max_tokens': this.maxTokens,
          'rb.compress.original_tokens': result.report.originalTokens,
          'rb.compress.final_tokens': result.report.finalTokens,
        });
      }
      return result;
    } finally {
      span.end();
    }
  }

  /**
   * Fits a prompt made of sections into `budget` tokens (defaults to `maxTokens`). Pinned sections are never changed;
   * the others are compressed, then shortened or dropped whole, lowest `priority` first (among equals, the later one).
   * Throws `PinnedOverBudgetError` when the pinned sections alone do not fit.
   */
  compressSections(sections: readonly PromptSection[], budget: number = this.maxTokens): SectionsResult {
    if (!Number.isSafeInteger(budget) || budget < 1) {
      throw new CompressError({ code: 'INVALID_INPUT', field: 'budget', message: `budget must be an integer >= 1, got ${describeValue(budget)}` });
    }
    const counter = new TokenCounter(this.tokenizer);
    const count = (text: string): number => counter.count(text);
    return fitSections(sections, budget, {
      count,
      squeeze: (text) => compressLossless(text, count(text), 0, count),
      shrink: (text, tokens) => {
        const { text: out, report } = this.run(counter, text, tokens, tokens);
        return { text: out, techniques: report.techniques };
      },
    });
  }

  /** Frees the WASM encoder. Later calls throw `DISPOSED`; a second `dispose()` does nothing. */
  dispose(): void {
    this.tokenizer.free();
  }

  private run(counter: TokenCounter, text: string, maxTokens: number, target: number): CompressionResult {
    const originalTokens = counter.count(text);
    const done = (out: string, finalTokens: number, techniques: Technique[]): CompressionResult => ({
      text: out,
      report: { originalTokens, finalTokens, reduction: originalTokens === 0 ? 0 : 1 - finalTokens / originalTokens, techniques },
    });
    if (originalTokens <= target) return done(text, originalTokens, []);
    const lossless = compressLossless(text, originalTokens, target, (t) => counter.count(t));
    if (lossless.tokens <= maxTokens) return done(lossless.text, lossless.tokens, lossless.techniques);
    const cut = truncate(counter, lossless.text, maxTokens, this.headRatio);
    return done(cut.text, cut.tokens, [...lossless.techniques, 'truncate']);
  }
}

function requireString(value: unknown, field: string): void {
  if (typeof value !== 'string') {
    throw new CompressError({ code: 'INVALID_INPUT', field, message: `${field} must be a string, got ${describeValue(value)}` });
  }
}
