import { Coalescer } from './coalescer.js';

describe('Coalescer', () => {
  it('sends requests made together as one batch and gives each caller its own result', async () => {
    const batches: string[][] = [];
    const coalescer = new Coalescer(async (items: string[]) => {
      batches.push(items);
      return items.map((s) => s.toUpperCase());
    }, 5, 100);

    const results = await Promise.all(['a', 'b', 'c'].map((s) => coalescer.add(s)));

    expect(results).toEqual(['A', 'B', 'C']);
    expect(batches).toEqual([['a', 'b', 'c']]);
  });

  it('sends a full batch at once, without waiting for the window', async () => {
    const batches: number[][] = [];
    const coalescer = new Coalescer(async (items: number[]) => {
      batches.push(items);
      return items;
    }, 60_000, 2);

    await Promise.all([1, 2, 3, 4].map((n) => coalescer.add(n)));
    expect(batches).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it('rejects every caller of a failed batch with its error', async () => {
    const error = new Error('model crashed');
    const coalescer = new Coalescer<string, string>(async () => Promise.reject(error), 1, 10);

    const outcomes = await Promise.allSettled([coalescer.add('x'), coalescer.add('y')]);
    expect(outcomes).toEqual([
      { status: 'rejected', reason: error },
      { status: 'rejected', reason: error },
    ]);
  });
});
