import { resolve } from 'node:path';
import { createEmbedder, type Embedder } from '@rb/embed-batch';
import type { MemoryEmbedder } from '../memory-embedder.js';
import { describeMemoryStore } from '../testing/index.js';
import { InMemoryMemoryStore } from './in-memory-memory-store.js';

// The conformance suite again with the real all-MiniLM-L6-v2 (fetched by `npm ci`), where ranking and the calibrated
// threshold meet real similarities.
let loading: Promise<Embedder> | undefined;
const load = () => (loading ??= createEmbedder({ modelDir: process.env['RB_MODEL_DIR'] ?? resolve(__dirname, '../../../../.models') }));
const miniLM: MemoryEmbedder = {
  model: 'onnx-community/all-MiniLM-L6-v2-ONNX',
  dimension: 384,
  generateBatch: async (texts) => (await load()).generateBatch(texts),
};

afterAll(async () => {
  if (loading) await (await loading).dispose();
});

describeMemoryStore('InMemoryMemoryStore with MiniLM', ({ embedder, now }) => new InMemoryMemoryStore({ embedder, now }), {
  embedder: miniLM,
  timeoutMs: 60_000,
});
