import { RbError } from '@rb/errors';

/**
 * What went wrong in the app itself (the packages it composes throw their own errors).
 * - `INVALID_CONFIG`: a setting (an environment variable or a CLI flag) is malformed; `field` names it.
 * - `INVALID_INPUT`: a tool argument or an input file is malformed; `field` names the argument or the line.
 * - `CONFIRMATION_REQUIRED`: a destructive action was asked for without `confirm: true`.
 * - `LLM_NOT_CONFIGURED`: an LLM tool was called with no configured endpoint and no client that offers sampling.
 * - `DATA_DIR_LOCKED`: another running server owns the data folder's embedded Chroma.
 * - `UNSAFE_BIND`: an HTTP bind beyond loopback was asked for without `RB_AUTH_TOKEN`.
 * - `NOT_FOUND`: a memory, workspace or backup named by an argument does not exist.
 * - `START_FAILED`: a part (model, Chroma, HTTP port) could not be started; the message says which and how to fix it.
 */
export type AppErrorCode =
  | 'INVALID_CONFIG'
  | 'INVALID_INPUT'
  | 'CONFIRMATION_REQUIRED'
  | 'LLM_NOT_CONFIGURED'
  | 'DATA_DIR_LOCKED'
  | 'UNSAFE_BIND'
  | 'NOT_FOUND'
  | 'START_FAILED';

export class AppError extends RbError<AppErrorCode> {
  static override readonly kind: string = '@rb/reasoning-bank.AppError';
  override readonly name: string = 'AppError';
}

export const invalidConfig = (field: string, message: string) => new AppError({ code: 'INVALID_CONFIG', field, message });
export const invalidInput = (field: string, message: string) => new AppError({ code: 'INVALID_INPUT', field, message });
