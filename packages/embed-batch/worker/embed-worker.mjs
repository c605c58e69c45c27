// One embedding worker process: it owns a tokenizer and one onnxruntime session, so the process that calls the
// embedder never tokenises nor runs the model (onnxruntime-node's session.run blocks the thread it runs on). A process,
// not a thread: a native abort in onnxruntime ends this process only, and ending a thread while onnxruntime runs on it
// aborts the whole process that hosts it. Its parent talks to it over the IPC channel (advanced serialization):
//
//   { op: 'load', model, modelDir, dtype, threads, spinning, allowRemoteModels, remoteHost }
//                                      -> { ready: true, dimension } or { ready: false, error }
//   { id, op: 'tokenize', texts }      -> { id, ids: Int32Array, lengths: Int32Array }  (all texts' ids, end to end)
//   { id, op: 'embed', ids, lengths }  -> { id, data: Float32Array }                    (rows of `dimension` floats)
//   { id, op: 'tokenVectors', ids, lengths }
//                                      -> { id, data: Float32Array, pieces: string[][] }
//      the last hidden state of every token but the special ones ([CLS], [SEP]), each row L2-normalised, all texts'
//      rows end to end in one array, and each text's word pieces, one per row ('index', '##ing'): n ids give n - 2.
//
// It exits when its parent goes (the IPC channel closes), whatever the way the parent ended.
// Plain JavaScript because Node runs this file as is, from the package's source and from its build alike.
import { AutoModel, AutoTokenizer, Tensor, env } from '@huggingface/transformers';

process.on('disconnect', () => process.exit(0));

/** Answers the parent; a parent that has just gone (EPIPE) means this worker goes too. */
function reply(message) {
  if (!process.connected) process.exit(0);
  process.send(message, (error) => error && process.exit(0));
}

/** Token ids of each text, with the special tokens, cut to `maxLength` keeping the final separator. */
function tokenize(tokenizer, maxLength, texts) {
  const { input_ids: encoded } = tokenizer(texts, { add_special_tokens: true, truncation: false, return_tensor: false });
  const lengths = new Int32Array(texts.length);
  let total = 0;
  for (let i = 0; i < encoded.length; i++) total += lengths[i] = Math.min(encoded[i].length, maxLength);
  const ids = new Int32Array(total);
  let at = 0;
  for (let i = 0; i < encoded.length; i++) {
    const row = encoded[i];
    const n = lengths[i];
    for (let j = 0; j < n - 1; j++) ids[at + j] = row[j];
    ids[at + n - 1] = row[row.length - 1];
    at += n;
  }
  return { ids, lengths };
}

/** Scales `row` to unit length in place (a zero row stays zero). */
function normalize(row) {
  let norm = 0;
  for (let k = 0; k < row.length; k++) norm += row[k] * row[k];
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let k = 0; k < row.length; k++) row[k] *= scale;
}

/**
 * Pads the batch to its longest text, runs the session once and hands the last hidden state, `[rows, width, size]`,
 * to `read`, which copies out what it needs before the outputs are released.
 */
async function runModel(session, ids, lengths, read) {
  const rows = lengths.length;
  let width = 0;
  for (const n of lengths) width = Math.max(width, n);
  const inputIds = new BigInt64Array(rows * width);
  const mask = new BigInt64Array(rows * width);
  let at = 0;
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < lengths[r]; j++) {
      inputIds[r * width + j] = BigInt(ids[at + j]);
      mask[r * width + j] = 1n;
    }
    at += lengths[r];
  }
  const dims = [rows, width];
  const feeds = {
    input_ids: new Tensor('int64', inputIds, dims).ort_tensor,
    attention_mask: new Tensor('int64', mask, dims).ort_tensor,
  };
  if (session.inputNames.includes('token_type_ids')) {
    feeds.token_type_ids = new Tensor('int64', new BigInt64Array(rows * width), dims).ort_tensor;
  }
  const outputs = await session.run(feeds);
  const hidden = outputs.last_hidden_state ?? outputs[session.outputNames[0]];
  try {
    return read(hidden.data, width, hidden.dims.at(-1));
  } finally {
    for (const output of Object.values(outputs)) output.dispose?.();
  }
}

/** One mean-pooled, L2-normalised vector per text, rows end to end. */
function embed(session, ids, lengths) {
  return runModel(session, ids, lengths, (states, width, size) => {
    const data = new Float32Array(lengths.length * size);
    for (let r = 0; r < lengths.length; r++) {
      const out = data.subarray(r * size, (r + 1) * size);
      for (let j = 0; j < lengths[r]; j++) {
        const base = (r * width + j) * size;
        for (let k = 0; k < size; k++) out[k] += states[base + k];
      }
      // Mean then L2 norm is the L2 norm of the sum: the division by the length cancels out.
      normalize(out);
    }
    return data;
  });
}

/**
 * Every token's L2-normalised vector but the special tokens the tokenizer added (`head` at the start, `tail` at the
 * end of each text), rows end to end in one array, with each text's word pieces.
 */
function tokenVectors({ session, vocabulary, head, tail }, ids, lengths) {
  return runModel(session, ids, lengths, (states, width, size) => {
    let rows = 0;
    for (const n of lengths) rows += Math.max(0, n - head - tail);
    const data = new Float32Array(rows * size);
    const pieces = [];
    let row = 0;
    let at = 0;
    for (let r = 0; r < lengths.length; r++) {
      const own = [];
      for (let j = head; j < lengths[r] - tail; j++, row++) {
        const out = data.subarray(row * size, (row + 1) * size);
        out.set(states.subarray((r * width + j) * size, (r * width + j + 1) * size));
        normalize(out);
        own.push(vocabulary[ids[at + j]] ?? '');
      }
      pieces.push(own);
      at += lengths[r];
    }
    return { data, pieces };
  });
}

async function load({ model, modelDir, dtype, threads, spinning, allowRemoteModels, remoteHost }) {
  env.allowRemoteModels = allowRemoteModels;
  env.localModelPath = modelDir;
  env.remoteHost = remoteHost;
  const sessionOptions = {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    extra: { session: { intra_op: { allow_spinning: spinning ? '1' : '0' } } },
  };
  const [tokenizer, loaded] = await Promise.all([
    AutoTokenizer.from_pretrained(model),
    AutoModel.from_pretrained(model, { dtype, device: 'cpu', session_options: sessionOptions }),
  ]);
  const session = loaded.sessions.model ?? Object.values(loaded.sessions)[0];
  const maxLength = Math.min(tokenizer.model_max_length ?? 512, loaded.config.max_position_embeddings ?? 512);
  const probe = tokenize(tokenizer, maxLength, ['dimension probe']);
  const dimension = (await embed(session, probe.ids, probe.lengths)).length;
  // Where the special tokens go: a one-word text with them against without ([CLS] a [SEP] against a: 1 and 1).
  const bare = tokenizer.encode('a', { add_special_tokens: false });
  const full = tokenizer.encode('a', { add_special_tokens: true });
  const head = Math.max(0, full.indexOf(bare[0]));
  const tail = Math.max(0, full.length - bare.length - head);
  // id -> word piece, from the public vocabulary map.
  const vocabulary = [];
  for (const [piece, id] of tokenizer.get_vocab()) vocabulary[id] = piece;
  return { tokenizer, session, maxLength, dimension, vocabulary, head, tail };
}

let loaded;
process.on('message', async (message) => {
  if (message.op === 'load') {
    try {
      loaded = await load(message);
      reply({ ready: true, dimension: loaded.dimension });
    } catch (error) {
      reply({ ready: false, error: error instanceof Error ? error.message : String(error) });
    }
    return;
  }
  const { id, op, texts, ids, lengths } = message;
  try {
    if (op === 'tokenize') reply({ id, ...tokenize(loaded.tokenizer, loaded.maxLength, texts) });
    else if (op === 'tokenVectors') reply({ id, ...(await tokenVectors(loaded, ids, lengths)) });
    else reply({ id, data: await embed(loaded.session, ids, lengths) });
  } catch (error) {
    reply({ id, error: error instanceof Error ? error.message : String(error) });
  }
});
