import type { Encoding } from './tokenizer.js';

/** Options of {@link PromptCompressor}. */
export interface PromptCompressorOptions {
  /**
   * Hard budget: `compress` never returns more tokens than this, truncating if the other techniques are not enough.
   * An integer >= 1. Defaults to `12000`.
   */
  maxTokens?: number;
  /**
   * Target as a fraction of `maxTokens`: a prompt above `maxTokens * compressionRatio` tokens is compressed with the
   * safe techniques (whitespace, code comments, duplicates), cheapest first, until it is at or under that target.
   * Truncation, which loses content, only ever cuts down to `maxTokens`. In (0, 1]. Defaults to `0.7`.
   */
  compressionRatio?: number;
  /**
   * Tokenizer encoding. Defaults to the encoding of `model`, or `'o200k_base'` (current OpenAI models) when neither is
   * given. Use `'cl100k_base'` for gpt-4, gpt-3.5 and text-embedding-3. Give `encoding` or `model`, not both.
   */
  encoding?: Encoding;
  /**
   * Model name (`gpt-4o`, `openai/gpt-4.1`, `gpt-3.5-turbo`, ...), mapped to its encoding. Models that are not OpenAI's
   * get `o200k_base`, an approximation: their real tokenizer differs. No default.
   */
  model?: string;
  /** Share of the truncation budget kept from the start of the prompt; the rest comes from its end. In [0, 1]. Defaults to `0.6`. */
  headRatio?: number;
}

/** What `compress` did. */
export interface CompressionReport {
  /** Tokens of the input. */
  originalTokens: number;
  /** Tokens of the output, counted on the output itself. */
  finalTokens: number;
  /** `1 - finalTokens / originalTokens`, `0` for an empty input. */
  reduction: number;
  /** The techniques that changed the text, in the order they ran. */
  techniques: Technique[];
}

/**
 * Cheapest first: the first three keep the content, `truncate` cuts some out, and `drop` (only `compressSections`)
 * removes whole sections.
 */
export type Technique = 'whitespace' | 'code' | 'dedupe' | 'truncate' | 'drop';

/** The output of `compress`. */
export interface CompressionResult {
  text: string;
  report: CompressionReport;
}
