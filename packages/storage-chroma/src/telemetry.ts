import { createInstrumentation, createMemoriesCachedCounter } from '@rb/telemetry';

/** This package's telemetry scope; a test keeps the version equal to package.json's. */
export const SCOPE = { name: '@rb/storage-chroma', version: '0.1.0' } as const;

/** Spans and metrics of @rb/storage-chroma, under its own scope. */
export const telemetry = createInstrumentation(SCOPE, (meter) => ({
  /** `rb.memories.cached`: memory records put into the record cache (read from Chroma, or written by this store). */
  memoriesCached: createMemoriesCachedCounter(meter),
}));
