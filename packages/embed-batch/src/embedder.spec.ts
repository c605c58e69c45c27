import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { startTelemetry, type TelemetryHandle } from '@rb/telemetry/sdk';
import { createEmbedder, type Embedder } from './embedder.js';
import { EmbedError } from './errors.js';

// The real all-MiniLM-L6-v2 (q4), fetched and verified by `npm ci` (tools/fetch-model.mjs).
const MODEL_DIR = process.env['RB_MODEL_DIR'] ?? join(__dirname, '..', '..', '..', '.models');
const MODEL = 'onnx-community/all-MiniLM-L6-v2-ONNX';

const cosine = (a: Float32Array, b: Float32Array) => a.reduce((sum, x, i) => sum + x * b[i]!, 0);
const norm = (a: Float32Array) => Math.sqrt(cosine(a, a));

function mixedTexts(n: number): string[] {
  const words = 'memory agent retrieve judge strategy failure success embed vector cache token budget'.split(' ');
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: 3 + ((i * 37) % 60) }, (_, j) => words[(i * 7 + j * 3) % words.length]).join(' '),
  );
}

describe('createEmbedder on the real all-MiniLM-L6-v2', () => {
  let embedder: Embedder;
  let telemetry: TelemetryHandle;
  let spans: InMemorySpanExporter;

  beforeAll(async () => {
    spans = new InMemorySpanExporter();
    telemetry = startTelemetry({ exporter: spans, spanProcessor: 'simple' });
    embedder = await createEmbedder({ modelDir: MODEL_DIR, threads: 1, coalesce: { windowMs: 20, maxBatch: 4 } });
  });

  afterAll(async () => {
    await embedder.dispose();
    await telemetry.shutdown();
  });

  it('places related sentences far closer than unrelated ones, as unit vectors of 384 dimensions', async () => {
    const [question, related, unrelated] = await embedder.generateBatch([
      'How do I sort a list in Python?',
      'Python list sorting',
      'The weather is nice today',
    ]);

    expect(embedder.dimension).toBe(384);
    expect(question).toHaveLength(384);
    expect(norm(question!)).toBeCloseTo(1, 4);
    expect(cosine(question!, related!)).toBeGreaterThan(0.85);
    expect(cosine(question!, unrelated!)).toBeLessThan(0.25);
  });

  it('returns the same vectors batched (sorted by length) as one by one, in input order', async () => {
    const texts = mixedTexts(24);
    const fresh = await createEmbedder({ modelDir: MODEL_DIR, threads: 1, cache: false });
    try {
      const batched = await fresh.generateBatch(texts, { batchSize: 8 });
      const single: Float32Array[] = [];
      for (const text of texts) single.push((await fresh.generateBatch([text]))[0]!);

      expect(batched).toHaveLength(texts.length);
      batched.forEach((vector, i) => expect(cosine(vector, single[i]!)).toBeGreaterThan(0.9999));
    } finally {
      await fresh.dispose();
    }
  });

  it('spreads batches over worker threads with the same vectors as in-process', async () => {
    const texts = mixedTexts(40);
    const pooled = await createEmbedder({ modelDir: MODEL_DIR, workers: 2, cache: false });
    try {
      const fromWorkers = await pooled.generateBatch(texts, { batchSize: 8 });
      const inProcess = await embedder.generateBatch(texts, { batchSize: 8 });
      fromWorkers.forEach((vector, i) => expect(cosine(vector, inProcess[i]!)).toBeGreaterThan(0.9999));
    } finally {
      await pooled.dispose();
    }
  });

  it('computes a repeated text once, and serves a second request from the cache', async () => {
    const texts = ['alpha strategy note', 'beta failure note', 'alpha strategy note', 'gamma note', 'beta failure note'];
    const before = await telemetry.getStatistics();

    const first = await embedder.generateBatch(texts);
    const afterFirst = await telemetry.getStatistics();
    expect(afterFirst.embeddingsGenerated - before.embeddingsGenerated).toBe(3);
    expect(first[0]).toEqual(first[2]);
    expect(first[1]).toEqual(first[4]);
    expect(cosine(first[0]!, first[1]!)).toBeLessThan(0.99);

    const hitsBefore = embedder.getCacheStatistics()!.hits;
    const second = await embedder.generateBatch(texts);
    expect((await telemetry.getStatistics()).embeddingsGenerated).toBe(afterFirst.embeddingsGenerated);
    expect(embedder.getCacheStatistics()!.hits - hitsBefore).toBe(5);
    expect(second).toEqual(first);
  });

  it('reports progress up to the total', async () => {
    const seen: { done: number; total: number }[] = [];
    await embedder.generateBatch(mixedTexts(10).map((t) => `progress ${t}`), {
      batchSize: 4,
      onProgress: (p) => seen.push(p),
    });

    expect(seen.at(-1)).toEqual({ done: 10, total: 10 });
    expect(seen.map((p) => p.done)).toEqual([...seen.map((p) => p.done)].sort((a, b) => a - b));
    expect(seen.length).toBeGreaterThanOrEqual(4); // start + at least 3 batches of at most 4
  });

  it('coalesces concurrent embed() calls into batches of at most maxBatch', async () => {
    await telemetry.forceFlush();
    spans.reset();
    const texts = Array.from({ length: 10 }, (_, i) => `coalesced request number ${i}`);

    const vectors = await Promise.all(texts.map((t) => embedder.embed(t)));
    await telemetry.forceFlush();

    const batches = spans.getFinishedSpans().filter((s) => s.name === `embeddings ${MODEL}`);
    expect(batches.map((s) => s.attributes['rb.embed.texts'])).toEqual([4, 4, 2]);
    const direct = await embedder.generateBatch(texts);
    vectors.forEach((v, i) => expect(v).toEqual(direct[i]));
  });

  it('rejects bad input with a typed error naming the position', async () => {
    await expect(embedder.generateBatch(['ok', 42 as unknown as string])).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: 'texts[1] must be a string, got number',
    });
    await expect(embedder.generateBatch(['ok'], { batchSize: 0 })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
  });
});

describe('createEmbedder failures', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rb-embed-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('fails at once, naming the missing files, when the model is not on disk', async () => {
    const error = await createEmbedder({ modelDir: dir }).catch((e: unknown) => e);
    expect(EmbedError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'MODEL_NOT_FOUND' });
    expect((error as Error).message).toContain('onnx/model_q4.onnx');
    expect((error as Error).message).toContain('npm run fetch-model');
  });

  it('names a missing external weights file, which transformers.js would wait on forever', async () => {
    const source = join(MODEL_DIR, MODEL);
    const target = join(dir, MODEL);
    mkdirSync(join(target, 'onnx'), { recursive: true });
    for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model_q4.onnx']) {
      copyFileSync(join(source, file), join(target, file));
    }
    await expect(createEmbedder({ modelDir: dir })).rejects.toThrow(/missing onnx\/model_q4.onnx_data\./);
  });

  it('reports a corrupt model file as MODEL_LOAD_FAILED instead of hanging', async () => {
    const source = join(MODEL_DIR, MODEL);
    const target = join(dir, MODEL);
    mkdirSync(join(target, 'onnx'), { recursive: true });
    for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) {
      copyFileSync(join(source, file), join(target, file));
    }
    writeFileSync(join(target, 'onnx', 'model_q4.onnx'), 'this is not an ONNX graph');
    writeFileSync(join(target, 'onnx', 'model_q4.onnx_data'), 'nor are these weights');

    await expect(createEmbedder({ modelDir: dir })).rejects.toMatchObject({ code: 'MODEL_LOAD_FAILED' });
  });

  it.each([
    [{ dtype: 'q3' as never }, /dtype must be one of/],
    [{ threads: 0 }, /threads must be a positive integer/],
    [{ workers: -2 }, /workers must be a positive integer/],
    [{ batchSize: 2.5 }, /batchSize must be a positive integer/],
    [{ cache: { maxSize: -1 } }, /cache.maxSize must be a positive integer/],
    [{ coalesce: { windowMs: -1 } }, /coalesce.windowMs must be >= 0/],
  ])('rejects bad options %j', async (options, message) => {
    await expect(createEmbedder({ modelDir: MODEL_DIR, ...options })).rejects.toThrow(message);
  });

  it('refuses use after dispose()', async () => {
    const embedder = await createEmbedder({ modelDir: MODEL_DIR, threads: 1 });
    await embedder.dispose();
    await expect(embedder.generateBatch(['x'])).rejects.toMatchObject({ code: 'DISPOSED' });
    await expect(embedder.embed('x')).rejects.toMatchObject({ code: 'DISPOSED' });
  });
});
