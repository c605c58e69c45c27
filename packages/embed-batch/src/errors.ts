import { RbError, type RbErrorOptions } from '@rb/errors';

/**
 * What went wrong, as a stable string a caller can switch on.
 * - `INVALID_OPTIONS`: an option has the wrong type or value; `field` names it.
 * - `INVALID_INPUT`: a text is not a string; `field` gives its position (`texts[3]`).
 * - `MODEL_NOT_FOUND`: a model file is missing on disk (and remote download is off); the message says how to fetch it.
 * - `MODEL_LOAD_FAILED`: the files exist but the runtime could not load them, or a download from the model host failed.
 * - `MODEL_LOAD_TIMEOUT`: loading took longer than `loadTimeoutMs`.
 * - `INFERENCE_FAILED`: the model failed on a batch, or its worker died twice running it (then `isRetryable`).
 * - `DISPOSED`: the embedder was disposed before or while the call ran.
 */
export type EmbedErrorCode =
  | 'INVALID_OPTIONS'
  | 'INVALID_INPUT'
  | 'MODEL_NOT_FOUND'
  | 'MODEL_LOAD_FAILED'
  | 'MODEL_LOAD_TIMEOUT'
  | 'INFERENCE_FAILED'
  | 'DISPOSED';

/** The one error type `@rb/embed-batch` throws. `EmbedError.isInstance(e)` works across copies of the package. */
export class EmbedError extends RbError<EmbedErrorCode> {
  static override readonly kind: string = '@rb/embed-batch.EmbedError';
  override readonly name: string = 'EmbedError';

  constructor(options: RbErrorOptions<EmbedErrorCode>) {
    super(options);
  }
}

/** The message of anything thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
