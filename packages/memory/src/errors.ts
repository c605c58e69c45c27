import { RbError } from '@rb/errors';

/**
 * What went wrong, as a stable string a caller can switch on.
 * - `INVALID_INPUT`: a trace, memory item, query or request field is malformed; `field` names it. Nothing was written.
 * - `INVALID_OPTIONS`: an option of a store or backend has the wrong type or value; `field` names it.
 * - `NOT_FOUND`: the memory to update does not exist in this workspace.
 * - `CONFLICT`: a backend could not apply a write because a concurrent one won (e.g. an optimistic check failed).
 *   Ids never collide across workspaces: ids are scoped to their workspace, so the same id in two workspaces names two
 *   independent records. Retryable.
 * - `MODEL_MISMATCH`: the bank (or a backup) holds vectors of another embedding model or dimension.
 * - `BACKUP_INVALID`: a backup is missing, corrupt, of an unknown schema version, or holds an invalid record.
 * - `BACKEND_UNAVAILABLE`: the backend did not answer (server down, connection refused). Retryable.
 * - `BACKEND_TIMEOUT`: the backend did not answer within the deadline. Retryable.
 * - `BACKEND_ERROR`: the backend refused a request for another reason; `cause` holds its error.
 * - `EMBEDDING_FAILED`: the embedding model failed; `cause` holds its error. Nothing was written.
 * - `IO_ERROR`: writing a backup's files failed (disk full, permission denied); `cause` holds the system error. An
 *   earlier backup in the same folder is intact.
 * - `ABORTED`: the caller's `AbortSignal` fired; `cause` holds its reason. Nothing of an aborted restore was written.
 * - `CLOSED`: the store was used after `close()`.
 */
export type MemoryErrorCode =
  | 'INVALID_INPUT'
  | 'INVALID_OPTIONS'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'MODEL_MISMATCH'
  | 'BACKUP_INVALID'
  | 'BACKEND_UNAVAILABLE'
  | 'BACKEND_TIMEOUT'
  | 'BACKEND_ERROR'
  | 'EMBEDDING_FAILED'
  | 'IO_ERROR'
  | 'ABORTED'
  | 'CLOSED';

const RETRYABLE = new Set<MemoryErrorCode>(['BACKEND_UNAVAILABLE', 'BACKEND_TIMEOUT', 'CONFLICT']);

/** The embedding model and dimension a bank or backup was built with, and what the store uses. */
export interface ModelIdentity {
  model: string;
  dimension: number;
}

/** The one error type of `@rb/memory` and of every memory backend (they map their own failures onto it). */
export class MemoryError extends RbError<MemoryErrorCode> {
  static override readonly kind: string = '@rb/memory.MemoryError';
  override readonly name: string = 'MemoryError';
  /** `MODEL_MISMATCH`: what the data was built with. */
  readonly stored: ModelIdentity | undefined;
  /** `MODEL_MISMATCH`: what this store embeds with. */
  readonly expected: ModelIdentity | undefined;

  constructor(options: {
    code: MemoryErrorCode;
    message: string;
    field?: string;
    isRetryable?: boolean;
    cause?: unknown;
    stored?: ModelIdentity;
    expected?: ModelIdentity;
  }) {
    super({
      ...options,
      isRetryable: options.isRetryable ?? RETRYABLE.has(options.code),
    });
    this.stored = options.stored;
    this.expected = options.expected;
  }
}

/** An `INVALID_INPUT` error: "<field> must be <expected>". */
export function invalidInput(field: string, message: string): MemoryError {
  return new MemoryError({ code: 'INVALID_INPUT', field, message });
}
