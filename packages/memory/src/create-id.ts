import { v7 } from 'uuid';

/**
 * A new UUIDv7: time-ordered (millisecond timestamp first, a monotonic counter within one millisecond), so ids sort
 * by creation even in a burst.
 */
export function createId(): string {
  return v7();
}
