import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { startTelemetry, type TelemetryHandle } from '@rb/telemetry/sdk';
import { env, pipeline } from '@huggingface/transformers';
import { createServer } from 'node:net';
import { createEmbedder, type Embedder } from './embedder.js';
import { EmbedError } from './errors.js';

// The real all-MiniLM-L6-v2 (q4), fetched and verified by `npm ci` (tools/fetch-model.mjs).
const MODEL_DIR = process.env['RB_MODEL_DIR'] ?? join(__dirname, '..', '..', '..', '.models');
const MODEL = 'onnx-community/all-MiniLM-L6-v2-ONNX';

// Loading the model into workers takes ~0.5 s on an idle machine, much longer while other suites run.
jest.setTimeout(60_000);

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
    embedder = await createEmbedder({ modelDir: MODEL_DIR, workers: 1, threads: 1, coalesce: { windowMs: 20, maxBatch: 4 } });
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
    const fresh = await createEmbedder({ modelDir: MODEL_DIR, workers: 1, threads: 1, cache: false });
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

  it('gives the vectors of transformers.js feature-extraction (mean pooling, normalised), spread over workers', async () => {
    const texts = mixedTexts(40);
    const pooled = await createEmbedder({ modelDir: MODEL_DIR, workers: 2, cache: false });
    env.allowRemoteModels = false;
    env.localModelPath = MODEL_DIR;
    const reference = await pipeline('feature-extraction', MODEL, { dtype: 'q4', device: 'cpu' });
    try {
      const fromWorkers = await pooled.generateBatch(texts, { batchSize: 8 });
      for (const [i, text] of texts.entries()) {
        const expected = await reference(text, { pooling: 'mean', normalize: true });
        expect(cosine(fromWorkers[i]!, expected.data as Float32Array)).toBeGreaterThan(0.9999);
      }
      expect(pooled.workers).toBe(2);

      // A call too small to fill both workers is still spread over them: a progress report per batch (3 + 2 texts,
      // in whichever order they finish), where one batch of 5 would report once.
      const seen: number[] = [];
      await pooled.generateBatch(texts.slice(0, 5), { onProgress: ({ done }) => seen.push(done) });
      expect(seen).toHaveLength(3);
      expect([0, 5].every((n) => seen.includes(n)) && (seen.includes(2) || seen.includes(3))).toBe(true);
    } finally {
      await Promise.all([pooled.dispose(), reference.dispose()]);
    }
  }, 60_000);

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
      field: 'texts[1]',
      message: 'texts[1] must be a string, got 42',
    });
    await expect(embedder.generateBatch('ok' as unknown as string[])).rejects.toMatchObject({ field: 'texts' });
    await expect(embedder.embed(null as unknown as string)).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'text' });
    await expect(embedder.generateBatch(['ok'], { batchSize: 0 })).rejects.toMatchObject({
      code: 'INVALID_OPTIONS',
      field: 'batchSize',
    });
    await expect(embedder.generateBatch(['ok'], { batch_size: 4 } as never)).rejects.toMatchObject({
      code: 'INVALID_OPTIONS',
      field: 'batch_size',
    });
  });

  it('embeds a text longer than the model takes (512 tokens), an empty text, and an empty list', async () => {
    const [long, longer, empty] = await embedder.generateBatch(['memory '.repeat(600), 'memory '.repeat(5000), '']);
    expect(cosine(long!, longer!)).toBeGreaterThan(0.9999); // both cut to the same 512 tokens
    expect(norm(empty!)).toBeCloseTo(1, 4);
    await expect(embedder.generateBatch([])).resolves.toEqual([]);
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
    expect(error).toMatchObject({ field: 'modelDir' });
    expect((error as Error).message).toContain(`npx rb-fetch-model ${JSON.stringify(dir)}`);
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
    [{ dtype: 'q3' as never }, 'dtype'],
    [{ threads: 0 }, 'threads'],
    [{ workers: 0 }, 'workers'],
    [{ workers: -2 }, 'workers'],
    [{ batchSize: 2.5 }, 'batchSize'],
    [{ cache: { maxSize: -1 } }, 'cache.maxSize'],
    [{ coalesce: { windowMs: -1 } }, 'coalesce.windowMs'],
    [{ remoteHost: 'ftp://models.example' }, 'remoteHost'],
    [{ batch_size: 8 } as never, 'batch_size'],
  ])('rejects bad options %j with INVALID_OPTIONS naming the field', async (options, field) => {
    await expect(createEmbedder({ modelDir: MODEL_DIR, ...options })).rejects.toMatchObject({
      name: 'EmbedError',
      code: 'INVALID_OPTIONS',
      field,
    });
  });

  it('rejects null options with a typed error', async () => {
    const error = await createEmbedder(null as never).catch((e: unknown) => e);
    expect(EmbedError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'INVALID_OPTIONS', field: 'options' });
  });

  it('names the host it tried when a download fails (allowRemoteModels)', async () => {
    // A port that was just free and is now closed: the download is refused at once, with no network needed.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));

    const error = await createEmbedder({
      modelDir: dir,
      model: 'rb-test/not-on-disk',
      allowRemoteModels: true,
      remoteHost: `http://127.0.0.1:${port}`,
      workers: 1,
      loadTimeoutMs: 30_000,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'EmbedError', code: 'MODEL_LOAD_FAILED' });
    expect((error as Error).message).toContain(`http://127.0.0.1:${port}/`);
  });

  it('refuses use after dispose()', async () => {
    const embedder = await createEmbedder({ modelDir: MODEL_DIR, workers: 1 });
    await embedder.dispose();
    await expect(embedder.generateBatch(['x'])).rejects.toMatchObject({ code: 'DISPOSED' });
    await expect(embedder.embed('x')).rejects.toMatchObject({ code: 'DISPOSED' });
  });
});
