// The raw onnxruntime ceiling, for the benchmark: a process with one session (loaded by transformers.js, as ours is)
// that runs pre-tokenised, pre-built batches and nothing else: no tokenising, no pooling. Processes, as ours are, and
// fed two batch numbers ahead like ours, so the only difference left is the work ours does around session.run.
//   argv[2] JSON { model, modelDir, dtype, threads, spinning }            -> 'loaded'
//   { batches: [{ ids: Int32Array, lengths: Int32Array }] }                -> 'ready'
//   { run: i }                                                             -> { done: i }
import { AutoModel, Tensor, env } from '@huggingface/transformers';

process.on('disconnect', () => process.exit(0));
const { model, modelDir, dtype, threads, spinning } = JSON.parse(process.argv[2]);
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
process.on('message', async (message) => {
  if (message.batches) {
    feeds = message.batches.map(feed);
    process.send('ready');
    return;
  }
  const outputs = await session.run(feeds[message.run]);
  for (const output of Object.values(outputs)) output.dispose?.();
  process.send({ done: message.run });
});
process.send('loaded');
