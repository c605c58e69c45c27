// This package reports every failure as a `MemoryError` of `@rb/memory` (codes documented there and in the README);
// what Chroma answered is kept as the error's `cause`.

/** A Chroma error response, kept as the `cause` of the `MemoryError` that reports it. */
export class ChromaResponseError extends Error {
  override readonly name = 'ChromaResponseError';
  constructor(
    readonly status: number,
    /** Chroma's error name, e.g. `NotFoundError`, `InvalidArgumentError`. */
    readonly chromaError: string,
    message: string,
  ) {
    super(message);
  }
}

/** True when `error` reports that a collection (or another resource) does not exist. */
export function isNotFound(error: unknown): boolean {
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  return cause instanceof ChromaResponseError && (cause.status === 404 || cause.chromaError === 'NotFoundError');
}
