export { PromptCompressor } from './prompt-compressor.js';
export type {
  PromptCompressorOptions,
  CompressionResult,
  CompressionReport,
  Technique,
} from './prompt-compressor-options.js';
export { MIN_SECTION_TOKENS } from './compress-sections.js';
export type { PromptSection, SectionOutcome, SectionsResult } from './compress-sections.js';
export { encodingForModel, LONG_RUN_BYTES, LONG_RUN_CHUNK_BYTES } from './tokenizer.js';
export type { Encoding } from './tokenizer.js';
export { CompressError, PinnedOverBudgetError } from './errors.js';
export type { CompressErrorCode } from './errors.js';
