import { join } from 'node:path';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { startTelemetry, type TelemetryHandle } from '@rb/telemetry/sdk';
import { Tensor, env, pipeline, type FeatureExtractionPipeline } from '@huggingface/transformers';
import { createEmbedder, type Embedder, type TokenVectors } from './embedder.js';
import { EmbedError } from './errors.js';

// generateTokenVectors against transformers.js itself, on the real all-MiniLM-L6-v2 (q4) fetched by `npm ci`.
const MODEL_DIR = process.env['RB_MODEL_DIR'] ?? join(__dirname, '..', '..', '..', '.models');
const MODEL = 'onnx-community/all-MiniLM-L6-v2-ONNX';
const DIMENSION = 384;

jest.setTimeout(60_000);

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let sum = 0;
  for (let k = 0; k < a.length; k++) sum += a[k]! * b[k]!;
  return sum;
};
const rows = (vectors: Float32Array) =>
  Array.from({ length: vectors.length / DIMENSION }, (_, r) => vectors.subarray(r * DIMENSION, (r + 1) * DIMENSION));
const unit = (v: ArrayLike<number>) => {
  const n = Math.sqrt(dot(v, v));
  return Float32Array.from(v, (x) => x / n);
};

// Lengths from 1 piece to past the model's 512 tokens, punctuation and code among them, in one call.
const LONG = Array.from({ length: 150 }, (_, i) => `step ${i}: retrieve, judge; then store.`).join(' ');
const MEDIUM = Array.from({ length: 60 }, (_, i) => `memory ${i} (agent)`).join(' ');
const TEXTS = [
  'Indexing things, déjà-vu: "quoted" -- and more!?',
  'const sorted = items.sort((a, b) => a.score - b.score); // ascending',
  'ok',
  LONG,
  'How do I sort a list in Python?',
  MEDIUM,
  'C:\\Users\\agent> npm run build --workspace=@rb/memory && echo $?',
];

describe('generateTokenVectors on the real all-MiniLM-L6-v2', () => {
  let embedder: Embedder;
  let reference: FeatureExtractionPipeline;
  let telemetry: TelemetryHandle;
  let spans: InMemorySpanExporter;

  beforeAll(async () => {
    spans = new InMemorySpanExporter();
    telemetry = startTelemetry({ exporter: spans, spanProcessor: 'simple' });
    embedder = await createEmbedder({ modelDir: MODEL_DIR, workers: 2, threads: 1, cache: false });
    env.allowRemoteModels = false;
    env.localModelPath = MODEL_DIR;
    reference = await pipeline('feature-extraction', MODEL, { dtype: 'q4', device: 'cpu' });
  });

  afterAll(async () => {
    await Promise.all([embedder.dispose(), reference.dispose()]);
    await telemetry.shutdown();
  });

  /**
   * transformers.js's last hidden state of `text`, rows 1..n-2 ([CLS] and [SEP] dropped), each L2-normalised. A text
   * over 512 tokens runs the bare model on what the embedder feeds it, [CLS] + the first 510 pieces + [SEP]: the
   * pipeline's own cut drops the [SEP] instead (unlike sentence-transformers), and every row then differs a little.
   */
  async function expectedRows(text: string): Promise<Float32Array[]> {
    const ids = reference.tokenizer.encode(text);
    let hidden: { dims: number[]; data: unknown };
    if (ids.length <= 512) hidden = await reference(text, { pooling: 'none' });
    else {
      const cut = [...ids.slice(0, 511), ids.at(-1)!].map(BigInt);
      const tensor = (values: bigint[]) => new Tensor('int64', BigInt64Array.from(values), [1, values.length]);
      ({ last_hidden_state: hidden } = (await reference.model({
        input_ids: tensor(cut),
        attention_mask: tensor(cut.map(() => 1n)),
        token_type_ids: tensor(cut.map(() => 0n)),
      })) as { last_hidden_state: { dims: number[]; data: unknown } });
    }
    const [, n, size] = hidden.dims as [number, number, number];
    expect(size).toBe(DIMENSION);
    return rows((hidden.data as Float32Array).subarray(DIMENSION, (n - 1) * DIMENSION)).map(unit);
  }

  it("equals transformers.js's last hidden state without [CLS] and [SEP], row by row, batched and padded, in input order", async () => {
    const results: TokenVectors[] = await embedder.generateTokenVectors(TEXTS, { batchSize: 3 });

    expect(results).toHaveLength(TEXTS.length);
    for (const [i, text] of TEXTS.entries()) {
      const ours = results[i]!;
      const expected = await expectedRows(text);
      expect(ours.pieces).toEqual(reference.tokenizer.tokenize(text).slice(0, 510));
      expect(ours.vectors).toHaveLength(expected.length * DIMENSION);
      rows(ours.vectors).forEach((row, r) => {
        let worst = 0;
        for (let k = 0; k < DIMENSION; k++) worst = Math.max(worst, Math.abs(row[k]! - expected[r]![k]!));
        expect(worst).toBeLessThan(1e-4);
      });
    }
    expect(results[0]!.pieces.slice(0, 2)).toEqual(['index', '##ing']);
    expect(results[2]!.pieces).toEqual(['ok']);
  });

  it("stays within cosine 0.98 of the pipeline's own cut of a long text (which drops [SEP]) row by row", async () => {
    const [ours] = await embedder.generateTokenVectors([LONG]);
    const theirs = await reference(LONG, { pooling: 'none' });
    expect(theirs.dims).toEqual([1, 512, DIMENSION]);
    rows(ours!.vectors).forEach((row, r) => {
      const want = unit((theirs.data as Float32Array).subarray((r + 1) * DIMENSION, (r + 2) * DIMENSION));
      expect(dot(row, want)).toBeGreaterThan(0.98);
    });
  });

  it('cuts a text longer than the model takes as generateBatch does: 510 pieces, the first ones', async () => {
    const all = reference.tokenizer.tokenize(LONG);
    expect(all.length).toBeGreaterThan(512);
    const middle = reference.tokenizer.tokenize(MEDIUM).length;
    expect(middle).toBeGreaterThan(256);
    expect(middle).toBeLessThan(510);

    const [long, medium] = await embedder.generateTokenVectors([LONG, MEDIUM]);
    expect(long!.pieces).toEqual(all.slice(0, 510));
    expect(long!.vectors).toHaveLength(510 * DIMENSION);
    expect(medium!.pieces).toHaveLength(middle);
  });

  // The pooled vector also averages [CLS] and [SEP], which outweigh a text of one or two pieces ('ok': 0.55), so the
  // check is on texts of some length.
  it('gives unit rows whose mean points where the pooled vector of the same text does', async () => {
    const texts = TEXTS.filter((text) => text !== 'ok');
    const [tokens, pooled] = await Promise.all([embedder.generateTokenVectors(texts), embedder.generateBatch(texts)]);
    tokens.forEach(({ pieces, vectors }, i) => {
      expect(pieces.length).toBeGreaterThanOrEqual(5);
      const sum = new Float32Array(DIMENSION);
      for (const row of rows(vectors)) {
        expect(Math.sqrt(dot(row, row))).toBeCloseTo(1, 4);
        row.forEach((x, k) => (sum[k] += x));
      }
      expect(dot(unit(sum), pooled[i]!)).toBeGreaterThan(0.9);
      // and not merely any text's: the pooled vector of an unrelated text is further away
      expect(dot(unit(sum), pooled[i]!)).toBeGreaterThan(dot(unit(sum), pooled[(i + 1) % texts.length]!));
    });
  });

  it('gives each text its own buffer (a copy), so keeping one does not keep the batch', async () => {
    const [a, b] = await embedder.generateTokenVectors(['first text here', 'second text there']);
    expect(a!.vectors.byteOffset).toBe(0);
    expect(a!.vectors.buffer.byteLength).toBe(a!.vectors.byteLength);
    expect(a!.vectors.buffer).not.toBe(b!.vectors.buffer);
  });

  it('gives an empty text no pieces, an empty list no results, and repeats of a text the same rows', async () => {
    const [empty, x, again] = await embedder.generateTokenVectors(['', 'same text', 'same text']);
    expect(empty!.pieces).toEqual([]);
    expect(empty!.vectors).toBeInstanceOf(Float32Array);
    expect(empty!.vectors).toHaveLength(0);
    expect(Array.from(again!.vectors)).toEqual(Array.from(x!.vectors));
    await expect(embedder.generateTokenVectors([])).resolves.toEqual([]);
  });

  it('reports progress up to the total, and one embeddings span marked as per-token output', async () => {
    await telemetry.forceFlush();
    spans.reset();
    const seen: { done: number; total: number }[] = [];
    const texts = Array.from({ length: 9 }, (_, i) => `progress of per-token call ${'word '.repeat(i)}`);
    await embedder.generateTokenVectors(texts, { batchSize: 4, onProgress: (p) => seen.push(p) });
    await telemetry.forceFlush();

    expect(seen[0]).toEqual({ done: 0, total: 9 });
    expect(seen.at(-1)).toEqual({ done: 9, total: 9 });
    expect(seen).toHaveLength(4); // start + 3 batches of at most 4
    const [span, ...others] = spans.getFinishedSpans().filter((s) => s.name === `embeddings ${MODEL}`);
    expect(others).toEqual([]);
    expect(span!.attributes).toMatchObject({ 'rb.embed.texts': 9, 'rb.embed.output': 'tokens', 'rb.embed.computed': 9 });
  });

  it('rejects bad input and options with typed errors naming the field', async () => {
    await expect(embedder.generateTokenVectors(['ok', 42 as unknown as string])).rejects.toMatchObject({
      name: 'EmbedError',
      code: 'INVALID_INPUT',
      field: 'texts[1]',
      message: 'texts[1] must be a string, got 42',
    });
    const notArray = await embedder.generateTokenVectors('ok' as unknown as string[]).catch((e: unknown) => e);
    expect(EmbedError.isInstance(notArray)).toBe(true);
    expect(notArray).toMatchObject({ code: 'INVALID_INPUT', field: 'texts' });
    await expect(embedder.generateTokenVectors(['ok'], { batchSize: 0 })).rejects.toMatchObject({
      code: 'INVALID_OPTIONS',
      field: 'batchSize',
    });
    await expect(embedder.generateTokenVectors(['ok'], { pooling: 'none' } as never)).rejects.toMatchObject({
      code: 'INVALID_OPTIONS',
      field: 'pooling',
    });
  });
});

describe('generateTokenVectors after dispose()', () => {
  it('refuses with DISPOSED', async () => {
    const embedder = await createEmbedder({ modelDir: MODEL_DIR, workers: 1 });
    await embedder.dispose();
    const error = await embedder.generateTokenVectors(['x']).catch((e: unknown) => e);
    expect(EmbedError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'DISPOSED' });
  });
});
