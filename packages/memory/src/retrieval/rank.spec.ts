import fc from 'fast-check';
import type { MemoryItem } from '../memory-item.js';
import { rankCandidates, type RankSettings } from './rank.js';

const NOW = Date.parse('2026-06-01T00:00:00Z');
const memory = (i: number, ageDays: number, failure: boolean): MemoryItem => ({
  id: `m${String(i).padStart(3, '0')}`,
  title: 'A lesson title',
  description: 'When to use this lesson.',
  content: 'What the lesson says, in a sentence or two.',
  createdAt: new Date(NOW - ageDays * 86_400_000).toISOString(),
  traceId: 't',
  workspaceId: 'w',
  outcome: failure ? 'failure' : 'success',
  ...(failure ? { errorContext: { errorType: 'E', failurePattern: 'P', correctiveGuidance: 'G' } } : {}),
});
const settings = (overrides: Partial<RankSettings> = {}): RankSettings => ({
  lexicalWeight: 0.3,
  lexicalSaturation: 16,
  minScore: 0,
  tieMargin: 0.02,
  recencyShare: 0.75,
  halfLifeDays: 30,
  now: NOW,
  ...overrides,
});

const candidates = fc.array(
  fc.record({
    similarity: fc.double({ min: -1, max: 1, noNaN: true }),
    lexical: fc.double({ min: 0, max: 60, noNaN: true }),
    ageDays: fc.double({ min: 0, max: 3000, noNaN: true }),
    failure: fc.boolean(),
  }),
  { maxLength: 30 },
);

describe('rankCandidates', () => {
  it('never ranks a memory above one whose relevance exceeds its own by more than the tie margin', () => {
    fc.assert(
      fc.property(candidates, fc.double({ min: 0, max: 0.2, noNaN: true }), (list, tieMargin) => {
        const ranked = rankCandidates(
          list.map((c, i) => ({ memory: memory(i, c.ageDays, c.failure), similarity: c.similarity, lexical: c.lexical })),
          settings({ tieMargin }),
        );
        for (let i = 0; i < ranked.length; i++) {
          for (let j = i + 1; j < ranked.length; j++) {
            expect(ranked[j]!.components.relevance - ranked[i]!.components.relevance).toBeLessThanOrEqual(tieMargin + 1e-12);
          }
          expect(ranked[i]!.score - ranked[i]!.components.relevance).toBeGreaterThanOrEqual(0);
          expect(ranked[i]!.score - ranked[i]!.components.relevance).toBeLessThanOrEqual(tieMargin + 1e-12);
        }
      }),
    );
  });

  it('drops memories below minScore, and keeps all with minScore 0', () => {
    const list = [0.9, 0.5, 0.1, -0.2].map((similarity, i) => ({ memory: memory(i, 10, false), similarity, lexical: 0 }));
    expect(rankCandidates(list, settings({ minScore: 0.45 })).map((r) => r.memory.id)).toEqual(['m000', 'm001']);
    expect(rankCandidates(list, settings({ minScore: 0 }))).toHaveLength(4);
  });

  it('lets the failure boost and recency decide only within the margin', () => {
    const fresh = { memory: memory(1, 0, true), similarity: 0.6, lexical: 0 };
    const old = { memory: memory(2, 400, false), similarity: 0.61, lexical: 0 };
    expect(rankCandidates([old, fresh], settings()).map((r) => r.memory.id)).toEqual(['m001', 'm002']);
    const clearlyBetter = { ...old, similarity: 0.63 };
    expect(rankCandidates([fresh, clearlyBetter], settings()).map((r) => r.memory.id)).toEqual(['m002', 'm001']);
  });

  it('returns every component, lexical mapped to 0..1', () => {
    const [only] = rankCandidates([{ memory: memory(0, 30, true), similarity: 0.5, lexical: 16 }], settings());
    expect(only!.components).toEqual({ similarity: 0.5, lexical: 0.5, recency: 0.5, errorBoost: 1, relevance: 0.65 });
    expect(only!.score).toBeCloseTo(0.65 + 0.02 * (0.75 * 0.5 + 0.25), 12);
  });
});
