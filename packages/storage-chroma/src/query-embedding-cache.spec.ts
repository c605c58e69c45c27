import type { MemoryEmbedder } from '@rb/memory';
import { QueryEmbeddingCache } from './query-embedding-cache.js';

/** A model whose vector depends on the exact characters (`cased`) or on lower-cased words only (an uncased tokenizer). */
function fakeModel(kind: 'cased' | 'uncased'): MemoryEmbedder & { texts: string[] } {
  const texts: string[] = [];
  const embed = (text: string) => {
    const seen = kind === 'cased' ? text : text.toLowerCase().split(/[ \t\n\r]+/).filter(Boolean).join(' ');
    const v = new Float32Array(4);
    for (let i = 0; i < seen.length; i++) v[i % 4]! += seen.charCodeAt(i);
    return v;
  };
  return {
    model: `fake/${kind}`,
    dimension: 4,
    texts,
    generateBatch: async (batch) => {
      texts.push(...batch);
      return batch.map(embed);
    },
  };
}

describe('QueryEmbeddingCache', () => {
  it('folds case and spacing for a model that folds them, and returns exactly that model`s vector', async () => {
    const model = fakeModel('uncased');
    const cache = new QueryEmbeddingCache(model, 100, Infinity);
    const [first] = await cache.generateBatch(['Sort a List in Python']);
    const [variant] = await cache.generateBatch(['  sort a  list\tin PYTHON ']);
    expect(Array.from(variant!)).toEqual(Array.from((await model.generateBatch(['  sort a  list\tin PYTHON ']))[0]!));
    expect(Array.from(variant!)).toEqual(Array.from(first!));
    // The probe (3 texts), the first query; the variant was a hit.
    expect(cache.figures()).toMatchObject({ hits: 1, misses: 1 });
  });

  it('keeps keys exact for a model that tells case apart, so no variant gets another text`s vector', async () => {
    const model = fakeModel('cased');
    const cache = new QueryEmbeddingCache(model, 100, Infinity);
    const [upper] = await cache.generateBatch(['Sort']);
    const [lower] = await cache.generateBatch(['sort']);
    expect(Array.from(upper!)).not.toEqual(Array.from(lower!));
    expect(cache.figures()).toMatchObject({ hits: 0, misses: 2 });
    expect((await cache.generateBatch(['Sort']))[0]).toEqual(upper);
  });

  it('does not fold spaces a tokenizer may treat otherwise (no-break space, form feed)', async () => {
    const cache = new QueryEmbeddingCache(fakeModel('uncased'), 100, Infinity);
    await cache.generateBatch(['a b']);
    await cache.generateBatch(['a\u00a0b']);
    await cache.generateBatch(['a\fb']);
    expect(cache.figures()).toMatchObject({ hits: 0, misses: 3 });
  });

  it('passes batches through, and hands out copies', async () => {
    const model = fakeModel('uncased');
    const cache = new QueryEmbeddingCache(model, 100, Infinity);
    await cache.generateBatch(['a trace task', 'a memory']);
    expect(model.texts).toEqual(['a trace task', 'a memory']);
    const [v1] = await cache.generateBatch(['query']);
    (v1 as Float32Array)[0] = 42;
    const [v2] = await cache.generateBatch(['query']);
    expect(v2![0]).not.toBe(42);
  });

  it('has token vectors exactly when the model has them, keeping a query`s as it keeps its vector', async () => {
    expect(new QueryEmbeddingCache(fakeModel('uncased'), 100, Infinity).generateTokenVectors).toBeUndefined();
    const model = fakeModel('uncased');
    const calls: string[][] = [];
    const withTokens: MemoryEmbedder = {
      ...model,
      generateTokenVectors: async (texts) => {
        calls.push([...texts]);
        return texts.map((text) => ({ pieces: [text.trim().toLowerCase()], vectors: Float32Array.of(1, 0, 0, 0) }));
      },
    };
    const cache = new QueryEmbeddingCache(withTokens, 100, Infinity);
    const [first] = await cache.generateTokenVectors!(['Sort a List']);
    (first!.vectors as Float32Array)[0] = 42;
    const [again] = await cache.generateTokenVectors!(['  sort a LIST ']);
    expect(Array.from(again!.vectors)).toEqual([1, 0, 0, 0]);
    await cache.generateTokenVectors!(['memory one', 'memory two']);
    expect(calls).toEqual([['Sort a List'], ['memory one', 'memory two']]);
    cache.clear();
    await cache.generateTokenVectors!(['Sort a List']);
    expect(calls).toHaveLength(3);
  });
});
