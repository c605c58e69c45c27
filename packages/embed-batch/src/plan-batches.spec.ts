import { planBatches } from './plan-batches.js';

describe('planBatches', () => {
  it('groups indices by length, shortest first, at most batchSize per batch, each index once', () => {
    const lengths = [50, 3, 12, 3, 120, 7, 12];
    const batches = planBatches(lengths, 3);

    expect(batches).toEqual([
      [1, 3, 5],
      [2, 6, 0],
      [4],
    ]);
    expect(batches.flat().sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('closes a batch before its padded size (items x longest) passes maxBatchTokens', () => {
    const lengths = [10, 10, 10, 60, 60, 200];
    // 3 x 10 = 30 fits; 4 x 60 = 240 > 100 -> new batch; 2 x 60 fits; 200 alone is over the bound but must still run.
    expect(planBatches(lengths, 32, 100)).toEqual([[0, 1, 2], [3], [4], [5]]);
    expect(planBatches(lengths, 32, 130)).toEqual([[0, 1, 2], [3, 4], [5]]);
  });

  it('returns no batch for no input', () => {
    expect(planBatches([], 32)).toEqual([]);
  });
});
