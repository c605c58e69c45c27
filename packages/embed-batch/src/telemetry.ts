import { createEmbeddingsGeneratedCounter, createInstrumentation } from '@rb/telemetry';

/** This package's telemetry scope; a test keeps the version equal to package.json's. */
export const SCOPE = { name: '@rb/embed-batch', version: '0.1.0' } as const;

/** Spans and metrics of @rb/embed-batch, under its own scope. */
export const telemetry = createInstrumentation(SCOPE, (meter) => ({
  /** `rb.embeddings.generated`: vectors computed by the model (cache hits excluded). */
  embeddingsGenerated: createEmbeddingsGeneratedCounter(meter),
}));
