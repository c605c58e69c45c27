import fc from 'fast-check';
import type { MemoryItem } from '@rb/memory';
import { dot, unitVector } from '@rb/memory';
import { RetrievalCache, type Candidate } from './retrieval-cache.js';

// The cache's promise: after any sequence of this store's writes, a list it serves is exactly what a query over the
// workspace as it is now would return (here: a brute-force top-n, which is what Chroma computes on a small bank).
const DIM = 8;
const record = (id: string, domain: string): MemoryItem =>
  ({ id, domain, title: id, description: 'd', content: 'c', createdAt: '2026-01-01T00:00:00.000Z', traceId: 't', workspaceId: 'w', outcome: 'success' }) as MemoryItem;

const vectorArb = fc.array(fc.float({ min: -1, max: 1, noNaN: true }), { minLength: DIM, maxLength: DIM }).filter((v) => v.some((x) => Math.abs(x) > 0.01));
type Op = { kind: 'upsert'; id: number; vector: number[]; domain: string } | { kind: 'delete'; id: number };
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('upsert' as const), id: fc.integer({ min: 0, max: 30 }), vector: vectorArb, domain: fc.constantFrom('a', 'b') }),
  fc.record({ kind: fc.constant('delete' as const), id: fc.integer({ min: 0, max: 30 }) }),
);

function topN(bank: Map<string, { unit: Float32Array; domain: string }>, query: Float32Array, n: number, domain?: string): string[] {
  return [...bank.entries()]
    .filter(([, m]) => domain === undefined || m.domain === domain)
    .map(([id, m]) => ({ id, similarity: dot(query, m.unit) }))
    .sort((x, y) => y.similarity - x.similarity)
    .slice(0, n)
    .map((c) => c.id);
}

describe('RetrievalCache', () => {
  it('serves exactly the top of the workspace as it is after any writes, or nothing', () => {
    let served = 0;
    fc.assert(
      fc.property(
        fc.array(op, { minLength: 1, maxLength: 25 }),
        fc.array(op, { minLength: 1, maxLength: 25 }),
        vectorArb,
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom(undefined, 'a'),
        (setup, writes, queryRaw, limit, domain) => {
          const bank = new Map<string, { unit: Float32Array; domain: string }>();
          const apply = (cache: RetrievalCache | undefined, o: Op) => {
            const id = `m${o.id}`;
            if (o.kind === 'delete') {
              bank.delete(id);
              cache?.removed('w', [id]);
            } else {
              const unit = unitVector(o.vector);
              bank.set(id, { unit, domain: o.domain });
              cache?.upserted('w', [{ record: record(id, o.domain), document: JSON.stringify(record(id, o.domain)), unit }]);
            }
          };
          setup.forEach((o) => apply(undefined, o));
          const cache = new RetrievalCache(10, Infinity);
          const query = unitVector(queryRaw);
          const filter = domain === undefined ? {} : { domain };
          const fetched = limit + 2;
          const rows: Candidate[] = topN(bank, query, fetched, domain).map((id) => ({
            id,
            similarity: dot(query, bank.get(id)!.unit),
            document: JSON.stringify(record(id, bank.get(id)!.domain)),
          }));
          const key = cache.key('w', query, filter);
          cache.put(key, 'w', query, filter, rows, fetched);
          writes.forEach((o) => apply(cache, o));
          const list = cache.get(key, limit);
          if (list !== undefined) {
            served++;
            // Exactly the top: the same similarities in the same order, each from a memory that is in the bank now
            // (and in the domain). Memories with equal vectors tie, and either may come first, as in Chroma.
            const similarityOf = (id: string) => (bank.has(id) ? dot(query, bank.get(id)!.unit) : Number.NaN);
            expect(list.map((c) => similarityOf(c.id))).toEqual(topN(bank, query, limit, domain).map(similarityOf));
            if (domain !== undefined) expect(list.every((c) => bank.get(c.id)?.domain === domain)).toBe(true);
          }
        },
      ),
      { numRuns: 500 },
    );
    // Most lists survive the writes (the cache is useful), and every one served was exact.
    expect(served).toBeGreaterThan(250);
  });

  it('keys by workspace, filter and the exact vector, with no separator a workspace id could forge', () => {
    const cache = new RetrievalCache(10, Infinity);
    const v = unitVector([1, 0, 0]);
    expect(cache.key('a', v, {})).not.toBe(cache.key('a","', v, {}));
    expect(cache.key('w', v, { domain: 'x' })).not.toBe(cache.key('w', v, {}));
    expect(cache.key('w', v, { anyTags: ['b', 'a'] })).toBe(cache.key('w', v, { anyTags: ['a', 'b'] }));
    expect(cache.key('w', v, {})).not.toBe(cache.key('w', unitVector([1, 0, 1e-6]), {}));
  });
});
