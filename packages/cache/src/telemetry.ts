import {
  ATTR_CACHE_NAME,
  METRIC_RB_CACHE_EVICTIONS,
  METRIC_RB_CACHE_HITS,
  METRIC_RB_CACHE_MISSES,
  ObservedTotals,
  createInstrumentation,
} from '@rb/telemetry';

/** This package's telemetry scope; a test keeps the version equal to package.json's. */
export const SCOPE = { name: '@rb/cache', version: '0.1.0' } as const;

/** What every cache counts, in plain fields, read by telemetry only when metrics are collected. */
export interface CacheTotals {
  hits: number;
  misses: number;
  evictions: number;
}

/** The caches with telemetry on, held weakly: a dropped cache is collected, its counts stay in the sums. */
export const cacheTotals = new ObservedTotals<keyof CacheTotals>(
  {
    hits: { name: METRIC_RB_CACHE_HITS, unit: '{hit}', description: 'Cache lookups that found a live entry' },
    misses: { name: METRIC_RB_CACHE_MISSES, unit: '{miss}', description: 'Cache lookups that found nothing or an expired entry' },
    evictions: { name: METRIC_RB_CACHE_EVICTIONS, unit: '{entry}', description: 'Cache entries evicted by a size bound' },
  },
  ATTR_CACHE_NAME,
);

/** The `rb.cache.*` observable counters, under the `@rb/cache` scope. */
export const telemetry = createInstrumentation(SCOPE, (meter) => {
  cacheTotals.addTo(meter);
  return {};
});
