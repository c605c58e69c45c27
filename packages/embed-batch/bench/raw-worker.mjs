// The raw onnxruntime ceiling, for the benchmark: one session (loaded by transformers.js, as ours is) that runs
// pre-tokenised, pre-built batches and nothing else: no tokenising, no pooling, no messages per batch. Several of these
// workers share one atomic batch counter, so they split the batches as evenly as a pool could.
//   workerData { model, modelDir, dtype, threads, spinning }
//   { batches: [{ ids: Int32Array, lengths: Int32Array }], counter: SharedArrayBuffer } -> 'ready'
//   'go' -> 'done' when the counter passes the last batch
import { parentPort, workerData } from 'node:worker_threads';
import { AutoModel, Tensor, env } from '@huggingface/transformers';

const { model, modelDir, dtype, threads, spinning } = workerData;
env.allowRemoteModels = false;
env.localModelPath = modelDir;
const loaded = await AutoModel.from_pretrained(model, {
  dtype,
  device: 'cpu',
  session_options: {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    extra: { session: { intra_op: { allow_spinning: spinning ? '1' : '0' } } },
  },
});
const session = loaded.sessions.model;

function feed({ ids, lengths }) {
  const width = Math.max(...lengths);
  const input = new BigInt64Array(lengths.length * width);
  const mask = new BigInt64Array(lengths.length * width);
  let at = 0;
  lengths.forEach((n, r) => {
    for (let j = 0; j < n; j++) {
      input[r * width + j] = BigInt(ids[at + j]);
      mask[r * width + j] = 1n;
    }
    at += n;
  });
  const dims = [lengths.length, width];
  const feeds = { input_ids: new Tensor('int64', input, dims), attention_mask: new Tensor('int64', mask, dims) };
  if (session.inputNames.includes('token_type_ids')) {
    feeds.token_type_ids = new Tensor('int64', new BigInt64Array(lengths.length * width), dims);
  }
  return Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, v.ort_tensor]));
}

let feeds = [];
let counter;
parentPort.on('message', async (message) => {
  if (message !== 'go') {
    feeds = message.batches.map(feed);
    counter = new Int32Array(message.counter);
    parentPort.postMessage('ready');
    return;
  }
  for (let i = Atomics.add(counter, 0, 1); i < feeds.length; i = Atomics.add(counter, 0, 1)) {
    const outputs = await session.run(feeds[i]);
    for (const output of Object.values(outputs)) output.dispose?.();
  }
  parentPort.postMessage('done');
});
parentPort.postMessage('loaded');
