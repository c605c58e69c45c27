import { OptionReader, describeValue, refuseRenamedOptions, type InvalidOptionFactory } from '@rb/errors';
import { CompressError } from './errors.js';
import { ENCODINGS, encodingForModel, type Encoding } from './tokenizer.js';

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

/** Options with every default applied. */
export interface ResolvedCompressorOptions {
  maxTokens: number;
  compressionRatio: number;
  headRatio: number;
  encoding: Encoding;
}

const OPTION_NAMES = ['maxTokens', 'compressionRatio', 'encoding', 'model', 'headRatio'];

/** The seed's snake_case names, refused with the name to use. */
const RENAMED: Readonly<Record<string, string>> = {
  max_tokens: 'use maxTokens',
  compression_ratio: 'use compressionRatio',
  head_ratio: 'use headRatio',
};

const invalidOption: InvalidOptionFactory = (field, message) => new CompressError({ code: 'INVALID_OPTIONS', field, message });

export function resolveCompressorOptions(options: unknown): ResolvedCompressorOptions {
  refuseRenamedOptions(options, RENAMED, invalidOption);
  const read = new OptionReader(options, OPTION_NAMES, invalidOption);
  const encoding = read.oneOf('encoding', ENCODINGS, undefined);
  const model = read.string('model', undefined, { maxLength: 200 });
  if (model !== undefined && model.trim() === '') read.fail('model', 'a model name', model);
  if (encoding !== undefined && model !== undefined) {
    throw invalidOption('encoding', `give encoding or model, not both (got ${describeValue(encoding)} and ${describeValue(model)})`);
  }
  return {
    maxTokens: read.integer('maxTokens', { default: 12000, min: 1, max: 100_000_000 }),
    compressionRatio: read.number('compressionRatio', { default: 0.7, above: 0, max: 1 }),
    headRatio: read.number('headRatio', { default: 0.6, min: 0, max: 1 }),
    encoding: encoding ?? (model === undefined ? 'o200k_base' : encodingForModel(model)),
  };
}
