// One embedding worker thread: loads its own copy of the model (one onnxruntime thread, spinning off) and answers
// { id, texts } with { id, data, dimension }, the vectors in one transferred Float32Array. Plain JavaScript because a
// worker file is run by Node as is, from the package's source and from its build alike.
import { parentPort, workerData } from 'node:worker_threads';
import { env, pipeline } from '@huggingface/transformers';

const { model, modelDir, dtype, spinning, allowRemoteModels } = workerData;
env.allowRemoteModels = allowRemoteModels;
env.localModelPath = modelDir;

try {
  const extractor = await pipeline('feature-extraction', model, {
    dtype,
    device: 'cpu',
    session_options: {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      extra: { session: { intra_op: { allow_spinning: spinning ? '1' : '0' } } },
    },
  });
  parentPort.on('message', async ({ id, texts }) => {
    try {
      const output = await extractor(texts, { pooling: 'mean', normalize: true });
      const data = new Float32Array(output.data);
      output.dispose();
      parentPort.postMessage({ id, data, dimension: output.dims.at(-1) }, [data.buffer]);
    } catch (error) {
      parentPort.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
    }
  });
  parentPort.postMessage({ ready: true });
} catch (error) {
  parentPort.postMessage({ ready: false, error: error instanceof Error ? error.message : String(error) });
}
