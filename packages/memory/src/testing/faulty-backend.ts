import type { MemoryBackend } from '../backend/memory-backend.js';
import { MemoryError } from '../errors.js';

/** A backend wrapper whose calls can be made to fail, to test what a store does when its backend breaks. */
export interface FaultyBackend extends MemoryBackend {
  /** Every call after this fails with `BACKEND_UNAVAILABLE` until `repair()`. */
  breakDown(): void;
  repair(): void;
}

/** Wraps `backend` so that tests can make it fail (`breakDown`) and recover (`repair`). */
export function createFaultyBackend(backend: MemoryBackend): FaultyBackend {
  let broken = false;
  const guard =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      if (broken) throw new MemoryError({ code: 'BACKEND_UNAVAILABLE', message: `the ${backend.name} backend is down (test fault)` });
      return fn(...args);
    };
  const wrapped = Object.create(null) as Record<string, unknown>;
  for (const key of Object.getOwnPropertyNames(Object.getPrototypeOf(backend)).concat(Object.keys(backend))) {
    const value = (backend as unknown as Record<string, unknown>)[key];
    if (key === 'constructor' || key === 'close' || typeof value !== 'function') continue;
    wrapped[key] = guard((value as (...args: unknown[]) => Promise<unknown>).bind(backend));
  }
  return Object.assign(wrapped, {
    name: backend.name,
    close: () => backend.close(),
    breakDown: () => {
      broken = true;
    },
    repair: () => {
      broken = false;
    },
  }) as unknown as FaultyBackend;
}
