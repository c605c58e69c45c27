import type { MemoryItem, Outcome } from '../memory-item.js';
import type { StoreStatistics } from '../memory-store.js';
import type { Trace } from '../trace.js';

/**
 * Counts of one workspace, fed a page at a time. Domains are counted in a Map: a domain named `__proto__`,
 * `constructor` or `toString` is an ordinary key.
 */
export class StatisticsCounter {
  private readonly memoriesByOutcome: Record<Outcome, number> = { success: 0, failure: 0, partial: 0 };
  private readonly tracesByOutcome: Record<Outcome, number> = { success: 0, failure: 0, partial: 0 };
  private readonly domains = new Map<string, number>();
  private memories = 0;
  private traces = 0;
  private errorMemories = 0;

  addMemory(memory: MemoryItem): void {
    this.memories++;
    this.memoriesByOutcome[memory.outcome]++;
    const domain = memory.domain ?? '';
    this.domains.set(domain, (this.domains.get(domain) ?? 0) + 1);
    if (memory.errorContext !== undefined) this.errorMemories++;
  }

  addTrace(trace: Trace): void {
    this.traces++;
    this.tracesByOutcome[trace.outcome]++;
  }

  result(): StoreStatistics {
    return {
      memories: this.memories,
      traces: this.traces,
      memoriesByOutcome: { ...this.memoriesByOutcome },
      tracesByOutcome: { ...this.tracesByOutcome },
      memoriesByDomain: [...this.domains].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)),
      errorMemories: this.errorMemories,
    };
  }
}
