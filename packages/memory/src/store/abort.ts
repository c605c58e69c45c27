import { MemoryError } from '../errors.js';

/** The `ABORTED` error for a signal that fired; its reason is the cause. */
export function abortError(signal: AbortSignal): MemoryError {
  return new MemoryError({ code: 'ABORTED', message: 'the operation was aborted by its signal', cause: signal.reason });
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}
