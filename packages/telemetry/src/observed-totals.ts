import type { BatchObservableResult, Meter, ObservableCounter } from '@opentelemetry/api';

/** One observable counter of an {@link ObservedTotals}. */
export interface ObservedCounter {
  /** The metric name, e.g. `METRIC_RB_CACHE_HITS`. */
  name: string;
  /** UCUM unit, e.g. `'{hit}'`. Defaults to none. */
  unit?: string;
  description?: string;
}

interface Entry<K extends string> {
  readonly label: string;
  readonly totals: Readonly<Record<K, number>>;
}

/**
 * Running totals kept in plain fields of many live objects (caches, pools), reported as observable counters that are
 * read only when metrics are collected: the hot path increments a field and nothing else. Totals are summed per label
 * (an attribute such as `cache.name`).
 *
 * Owners are held weakly: an owner that is garbage-collected, or whose observation is stopped, is forgotten, and its
 * last totals are kept in a per-label sum, so the counters never go backwards.
 */
export class ObservedTotals<K extends string> {
  readonly #counters: Readonly<Record<K, ObservedCounter>>;
  readonly #keys: readonly K[];
  readonly #labelAttribute: string;
  readonly #live = new Set<Entry<K>>();
  readonly #retired = new Map<string, Record<K, number>>();
  readonly #finalizer = new FinalizationRegistry<Entry<K>>((entry) => this.#retire(entry));

  constructor(counters: Readonly<Record<K, ObservedCounter>>, labelAttribute: string) {
    this.#counters = counters;
    this.#keys = Object.keys(counters) as K[];
    this.#labelAttribute = labelAttribute;
  }

  /**
   * Reports `totals` under `label` while `owner` lives. `totals` is an object the owner keeps incrementing; it must
   * not reference the owner (that would keep the owner alive). Returns a function that stops the reporting.
   */
  observe(label: string, owner: object, totals: Readonly<Record<K, number>>): () => void {
    const entry: Entry<K> = { label, totals };
    this.#live.add(entry);
    this.#finalizer.register(owner, entry, entry);
    return () => {
      if (!this.#live.has(entry)) return;
      this.#finalizer.unregister(entry);
      this.#retire(entry);
    };
  }

  /** Objects observed and not yet collected or stopped. */
  get size(): number {
    return this.#live.size;
  }

  /** Creates the counters on `meter`, read from the observed totals at each collection. Call it from `define`. */
  addTo(meter: Meter): void {
    const counters = {} as Record<K, ObservableCounter>;
    for (const key of this.#keys) {
      const { name, unit, description } = this.#counters[key];
      counters[key] = meter.createObservableCounter(name, { unit, description });
    }
    meter.addBatchObservableCallback((result) => this.#report(result, counters), Object.values(counters) as ObservableCounter[]);
  }

  /** Current totals per label: the live owners' plus those of owners gone. */
  read(): Map<string, Record<K, number>> {
    const sums = new Map<string, Record<K, number>>();
    for (const [label, totals] of this.#retired) this.#add(sums, label, totals);
    for (const entry of this.#live) this.#add(sums, entry.label, entry.totals);
    return sums;
  }

  #report(result: BatchObservableResult, counters: Record<K, ObservableCounter>): void {
    for (const [label, totals] of this.read()) {
      const attributes = { [this.#labelAttribute]: label };
      for (const key of this.#keys) result.observe(counters[key], totals[key], attributes);
    }
  }

  #retire(entry: Entry<K>): void {
    if (!this.#live.delete(entry)) return;
    this.#add(this.#retired, entry.label, entry.totals);
  }

  #add(sums: Map<string, Record<K, number>>, label: string, totals: Readonly<Record<K, number>>): void {
    let sum = sums.get(label);
    if (sum === undefined) {
      sum = {} as Record<K, number>;
      for (const key of this.#keys) sum[key] = 0;
      sums.set(label, sum);
    }
    for (const key of this.#keys) sum[key] += totals[key];
  }
}
