import { StorageError } from './errors.js';
import { allOf, anyOf } from './filters.js';
import { DEFAULT_WEIGHTS, recencyScore, scoreMemory, validateWeights } from './ranking.js';

const DAY = 86_400_000;
const settings = { weights: DEFAULT_WEIGHTS, halfLifeDays: 30, errorRelevance: 0.4, now: 100 * DAY };

describe('composite ranking', () => {
  it('halves recency every half-life and treats future dates as now', () => {
    expect(recencyScore(100 * DAY, 100 * DAY, 30)).toBe(1);
    expect(recencyScore(70 * DAY, 100 * DAY, 30)).toBeCloseTo(0.5, 12);
    expect(recencyScore(40 * DAY, 100 * DAY, 30)).toBeCloseTo(0.25, 12);
    expect(recencyScore(101 * DAY, 100 * DAY, 30)).toBe(1);
  });

  it('turns cosine distance into similarity and weights 0.6 / 0.3 / 0.1', () => {
    const s = scoreMemory({ distance: 0.2, createdAtMs: 70 * DAY, hasErrorContext: true }, settings);
    expect(s).toEqual({ similarity: 0.8, recency: expect.closeTo(0.5, 12), errorBoost: 1, score: expect.closeTo(0.48 + 0.15 + 0.1, 12) });
  });

  it('gives the error boost only to failure memories relevant to the query', () => {
    const unrelated = scoreMemory({ distance: 0.9, createdAtMs: 100 * DAY, hasErrorContext: true }, settings);
    const success = scoreMemory({ distance: 0.9, createdAtMs: 100 * DAY, hasErrorContext: false }, settings);
    expect(unrelated.errorBoost).toBe(0);
    expect(unrelated.score).toBe(success.score);
  });

  it('rejects weights that are negative or do not sum to 1, naming the field', () => {
    expect(() => validateWeights({ recency: -0.1, similarity: 1, errorBoost: 0.1 }, 'weights')).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', field: 'weights.recency' }),
    );
    expect(() => validateWeights({ similarity: 0.9 }, 'weights')).toThrow(/weights summing to 1/);
    expect(validateWeights({ similarity: 0.7, recency: 0.2 }, 'weights')).toEqual({ similarity: 0.7, recency: 0.2, errorBoost: 0.1 });
    expect(() => validateWeights({ similarity: Number.NaN }, 'weights')).toThrow(StorageError);
  });
});

describe('filters', () => {
  it('puts two or more conditions under $and, one alone', () => {
    expect(allOf({ workspaceId: 'w' })).toEqual({ workspaceId: 'w' });
    expect(allOf({ workspaceId: 'w' }, undefined, { domain: 'web' })).toEqual({ $and: [{ workspaceId: 'w' }, { domain: 'web' }] });
    expect(anyOf([])).toBeUndefined();
    expect(anyOf([{ a: true }, { b: true }])).toEqual({ $or: [{ a: true }, { b: true }] });
  });
});
