/** Figures of one tool since the server started. */
export interface ToolFigures {
  name: string;
  calls: number;
  /** Calls that returned an error result (bad arguments included). */
  errors: number;
  /** Calls cancelled by the client. */
  cancelled: number;
  /** Over the last `window` calls, in milliseconds. */
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

const WINDOW = 1000;

interface Entry {
  calls: number;
  errors: number;
  cancelled: number;
  durations: Float64Array;
  next: number;
}

/**
 * Calls, errors and latency percentiles per tool, recorded by the tool wrapper around every call, so
 * `get_performance_metrics` reports what the server did (the earlier system's monitor was fed by nothing).
 */
export class ToolMetrics {
  readonly #tools = new Map<string, Entry>();

  record(name: string, durationMs: number, outcome: 'ok' | 'error' | 'cancelled'): void {
    let entry = this.#tools.get(name);
    if (entry === undefined) {
      entry = { calls: 0, errors: 0, cancelled: 0, durations: new Float64Array(WINDOW), next: 0 };
      this.#tools.set(name, entry);
    }
    entry.calls++;
    if (outcome === 'error') entry.errors++;
    if (outcome === 'cancelled') entry.cancelled++;
    entry.durations[entry.next % WINDOW] = durationMs;
    entry.next++;
  }

  snapshot(): ToolFigures[] {
    return [...this.#tools.entries()]
      .map(([name, entry]) => {
        const sorted = entry.durations.slice(0, Math.min(entry.next, WINDOW)).sort();
        const at = (q: number) => (sorted.length === 0 ? 0 : round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!));
        return {
          name,
          calls: entry.calls,
          errors: entry.errors,
          cancelled: entry.cancelled,
          p50Ms: at(0.5),
          p95Ms: at(0.95),
          maxMs: sorted.length === 0 ? 0 : round(sorted[sorted.length - 1]!),
        };
      })
      .sort((a, b) => a.name.localeCompare(b.name));
  }
}

const round = (ms: number) => Math.round(ms * 100) / 100;
