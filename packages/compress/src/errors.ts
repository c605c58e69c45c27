const MARKER = Symbol.for('@rb/compress.CompressError');

/**
 * What went wrong, as a stable string a caller can switch on.
 * - `INVALID_OPTIONS`: an option of `PromptCompressor` has the wrong type or value (see `field`).
 * - `INVALID_INPUT`: an argument of `compress`, `countTokens` or `compressSections` has the wrong type or value.
 * - `DISPOSED`: the compressor was used after `dispose()` freed its tokenizer.
 * - `PINNED_OVER_BUDGET`: the pinned sections alone need more tokens than the budget, and they may not be cut.
 */
export type CompressErrorCode = 'INVALID_OPTIONS' | 'INVALID_INPUT' | 'DISPOSED' | 'PINNED_OVER_BUDGET';

/** The one error type `@rb/compress` throws. */
export class CompressError extends Error {
  override readonly name = 'CompressError';
  readonly code: CompressErrorCode;
  /** The option or argument at fault, for `INVALID_OPTIONS` and `INVALID_INPUT`. */
  readonly field: string | undefined;
  readonly [MARKER] = true;

  constructor(code: CompressErrorCode, message: string, options?: { cause?: unknown; field?: string }) {
    super(message, options);
    this.code = code;
    this.field = options?.field;
  }

  /** Works across two copies of this package, where `instanceof` does not. */
  static isInstance(error: unknown): error is CompressError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true;
  }
}

/** Thrown by `compressSections` when pinned sections cannot fit; says by how much. */
export class PinnedOverBudgetError extends CompressError {
  readonly pinnedTokens: number;
  readonly budget: number;

  constructor(pinnedTokens: number, budget: number) {
    super(
      'PINNED_OVER_BUDGET',
      `pinned sections need ${pinnedTokens} tokens but the budget is ${budget}; pinned sections are never cut`,
    );
    this.pinnedTokens = pinnedTokens;
    this.budget = budget;
  }
}
