const MARKER = Symbol.for('@rb/embed-batch.EmbedError');

/**
 * What went wrong, as a stable string a caller can switch on.
 * - `INVALID_OPTIONS`: an option has the wrong type or value; the message names it.
 * - `INVALID_INPUT`: a text is not a string; the message gives its index.
 * - `MODEL_NOT_FOUND`: a model file is missing on disk (and remote download is off).
 * - `MODEL_LOAD_FAILED`: the files exist but the runtime could not load them (corrupt or incompatible model).
 * - `MODEL_LOAD_TIMEOUT`: loading took longer than `loadTimeoutMs`.
 * - `INFERENCE_FAILED`: the model failed on a batch, or an embedding worker died.
 * - `DISPOSED`: the embedder was used after `dispose()`.
 */
export type EmbedErrorCode =
  | 'INVALID_OPTIONS'
  | 'INVALID_INPUT'
  | 'MODEL_NOT_FOUND'
  | 'MODEL_LOAD_FAILED'
  | 'MODEL_LOAD_TIMEOUT'
  | 'INFERENCE_FAILED'
  | 'DISPOSED';

/** The one error type `@rb/embed-batch` throws. */
export class EmbedError extends Error {
  override readonly name = 'EmbedError';
  readonly code: EmbedErrorCode;
  readonly [MARKER] = true;

  constructor(code: EmbedErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  /** Works across two copies of this package, where `instanceof` does not. */
  static isInstance(error: unknown): error is EmbedError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true;
  }
}
