import fc from 'fast-check';
import { MemoryCache } from './memory-cache.js';

type Op = { kind: 'put' | 'get' | 'delete'; key: string } | { kind: 'advance'; ms: number };

/**
 * The seed's semantics written the slow, obvious way: an array in recency order (least recent first), each entry with
 * the time it was put. An entry older than the TTL is dead: a lookup of it is a miss and an expiration, and so is
 * pushing it out to make room; pushing out a live one is an eviction.
 */
class Model {
  entries: { key: string; value: number; putAt: number }[] = [];
  hits = 0;
  misses = 0;
  evictions = 0;
  expirations = 0;
  constructor(
    readonly maxSize: number,
    readonly ttlMs: number,
  ) {}

  expired(entry: { putAt: number }, now: number): boolean {
    return now - entry.putAt > this.ttlMs;
  }

  get(key: string, now: number): number | undefined {
    const i = this.entries.findIndex((e) => e.key === key);
    if (i < 0) return void this.misses++;
    const [entry] = this.entries.splice(i, 1);
    if (this.expired(entry, now)) {
      this.misses++;
      this.expirations++;
      return undefined;
    }
    this.hits++;
    this.entries.push(entry);
    return entry.value;
  }

  put(key: string, value: number, now: number): void {
    const i = this.entries.findIndex((e) => e.key === key);
    if (i >= 0) this.entries.splice(i, 1);
    else if (this.entries.length === this.maxSize) {
      const [oldest] = this.entries.splice(0, 1);
      if (this.expired(oldest, now)) this.expirations++;
      else this.evictions++;
    }
    this.entries.push({ key, value, putAt: now });
  }

  delete(key: string): void {
    this.entries = this.entries.filter((e) => e.key !== key);
  }
}

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constantFrom('put' as const, 'get' as const, 'delete' as const),
    key: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'),
  }),
  fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 1_500 }) }),
);

describe('MemoryCache against a reference model', () => {
  it('agrees on every value returned and on the final statistics', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.array(op, { maxLength: 60 }), (maxSize, ops) => {
        let now = 0;
        const cache = new MemoryCache<number>({ maxSize, ttlSeconds: 1, now: () => now });
        const model = new Model(maxSize, 1_000);
        ops.forEach((o, step) => {
          if (o.kind === 'advance') now += o.ms;
          else if (o.kind === 'put') {
            cache.put(o.key, step);
            model.put(o.key, step, now);
          } else if (o.kind === 'delete') {
            cache.delete(o.key);
            model.delete(o.key);
          } else expect(cache.get(o.key)).toBe(model.get(o.key, now));
        });
        const live = model.entries.filter((e) => !model.expired(e, now));
        const total = model.hits + model.misses;
        expect(cache.getStatistics()).toEqual({
          size: live.length,
          maxSize,
          hits: model.hits,
          misses: model.misses,
          hitRate: total === 0 ? 0 : (model.hits / total) * 100,
          evictions: model.evictions,
          expirations: model.expirations + model.entries.length - live.length,
          totalRequests: total,
        });
      }),
      { numRuns: 300 },
    );
  });
});
