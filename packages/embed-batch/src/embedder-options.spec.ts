import { executionPlan, resolveEmbedderOptions } from './embedder-options.js';
import { EmbedError } from './errors.js';

describe('executionPlan', () => {
  it.each([
    [1, { workers: 1, threads: 1 }],
    [2, { workers: 2, threads: 1 }],
    [3, { workers: 3, threads: 1 }],
    [4, { workers: 4, threads: 1 }],
    [8, { workers: 4, threads: 2 }],
    [16, { workers: 4, threads: 4 }],
  ])('gives %i cores one model per core, at most 4, the rest as threads', (cores, plan) => {
    expect(executionPlan(cores)).toEqual(plan);
  });
});

describe('resolveEmbedderOptions', () => {
  it('applies the plan for the cores unless workers or threads are given', () => {
    expect(resolveEmbedderOptions(undefined, 2)).toMatchObject({ workers: 2, threads: 1, batchSize: 32, maxBatchTokens: 256 });
    expect(resolveEmbedderOptions({ workers: 1, threads: 2 }, 2)).toMatchObject({ workers: 1, threads: 2 });
  });

  it('reads cache: false as no cache, and fills a partial cache object', () => {
    expect(resolveEmbedderOptions({ cache: false }).cache).toBe(false);
    expect(resolveEmbedderOptions({ cache: { maxSize: 5 } }).cache).toEqual({ maxSize: 5, ttlSeconds: 86_400 });
  });

  it('normalises remoteHost to end with a slash', () => {
    expect(resolveEmbedderOptions({ remoteHost: 'http://mirror.local:8080/hf' }).remoteHost).toBe('http://mirror.local:8080/hf/');
  });

  it.each([
    [null, 'options'],
    ['q4', 'options'],
    [{ workers: 1.5 }, 'workers'],
    [{ cache: true }, 'cache'],
    [{ coalesce: { window: 3 } }, 'coalesce.window'],
    [{ loadTimeoutMs: Infinity }, 'loadTimeoutMs'],
    [{ model: '' }, 'model'],
  ])('refuses %j, naming %s', (options, field) => {
    let thrown: unknown;
    try {
      resolveEmbedderOptions(options);
    } catch (error) {
      thrown = error;
    }
    expect(EmbedError.isInstance(thrown)).toBe(true);
    expect(thrown).toMatchObject({ code: 'INVALID_OPTIONS', field });
  });
});
