import { createInstrumentation, createTokenUsageHistogram } from '@rb/telemetry';
import { VERSION } from './version.js';

/** This package's spans and metrics, under the instrumentation scope `@rb/agent`. */
export const instrumentation = createInstrumentation({ name: '@rb/agent', version: VERSION }, (meter) => ({
  tokenUsage: createTokenUsageHistogram(meter),
}));
