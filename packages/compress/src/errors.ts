import { RbError } from '@rb/errors';

/**
 * What went wrong, as a stable string a caller can switch on.
 * - `INVALID_OPTIONS`: an option of `PromptCompressor` has the wrong type or value (`field` names it).
 * - `INVALID_INPUT`: an argument of `compress`, `countTokens` or `compressSections` has the wrong type or value
 *   (`field` names it).
 * - `DISPOSED`: the compressor was used after `dispose()` freed its tokenizer.
 * - `PINNED_OVER_BUDGET`: the pinned sections alone need more tokens than the budget, and they may not be cut
 *   ({@link PinnedOverBudgetError}).
 */
export type CompressErrorCode = 'INVALID_OPTIONS' | 'INVALID_INPUT' | 'DISPOSED' | 'PINNED_OVER_BUDGET';

/** The one error type `@rb/compress` throws. */
export class CompressError extends RbError<CompressErrorCode> {
  static override readonly kind: string = '@rb/compress.CompressError';
  override readonly name: string = 'CompressError';
}

/** Thrown by `compressSections` when the pinned sections cannot fit; says by how much. */
export class PinnedOverBudgetError extends CompressError {
  static override readonly kind: string = '@rb/compress.PinnedOverBudgetError';
  override readonly name: string = 'PinnedOverBudgetError';
  /** Tokens the pinned sections need together. */
  readonly pinnedTokens: number;
  /** The budget they had to fit in. */
  readonly budget: number;

  constructor(options: { pinnedTokens: number; budget: number }) {
    super({
      code: 'PINNED_OVER_BUDGET',
      field: 'sections',
      message: `pinned sections need ${options.pinnedTokens} tokens but the budget is ${options.budget}; pinned sections are never cut`,
    });
    this.pinnedTokens = options.pinnedTokens;
    this.budget = options.budget;
  }
}
