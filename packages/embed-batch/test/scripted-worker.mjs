// A scripted embedding worker for the pool's own tests: the real worker's protocol and process behaviour, no model, so
// the pool's handling of crashes, load failures and deadlines can be driven exactly. Vectors are [text length, first
// character code, 1]; token vectors ('tokenVectors') one row [character code, position, 1] per character but the first
// and last (the real worker drops [CLS] and [SEP]), each character its piece. The model name picks a load behaviour
// ('never-ready' never answers, 'load-fails' reports a failure); a text containing '!' kills the worker whenever it is
// embedded, '#' kills it the first time only (a file in modelDir remembers it).
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

process.on('disconnect', () => process.exit(0));
let modelDir;
process.on('message', (message) => {
  if (message.op === 'load') {
    modelDir = message.modelDir;
    if (message.model === 'never-ready') return;
    if (message.model === 'load-fails') process.send({ ready: false, error: 'scripted load failure' });
    else process.send({ ready: true, dimension: 3 });
    return;
  }
  const { id, op, texts, ids, lengths } = message;
  if (op === 'tokenize') {
    const rows = texts.map((text) => Array.from(text, (c) => c.codePointAt(0)));
    process.send({ id, ids: Int32Array.from(rows.flat()), lengths: Int32Array.from(rows, (r) => r.length) });
    return;
  }
  const batch = [];
  let at = 0;
  for (let r = 0; r < lengths.length; r++) {
    const row = ids.subarray(at, at + lengths[r]);
    at += lengths[r];
    if (row.includes(33)) process.exit(70);
    if (row.includes(35) && !existsSync(join(modelDir, 'crashed-once'))) {
      writeFileSync(join(modelDir, 'crashed-once'), '');
      process.exit(70);
    }
    batch.push(row);
  }
  if (op === 'tokenVectors') {
    const inner = batch.map((row) => Array.from(row.subarray(1, Math.max(1, row.length - 1))));
    const data = Float32Array.from(inner.flatMap((codes) => codes.flatMap((code, j) => [code, j, 1])));
    process.send({ id, data, pieces: inner.map((codes) => codes.map((code) => String.fromCodePoint(code))) });
    return;
  }
  const data = new Float32Array(lengths.length * 3);
  batch.forEach((row, r) => data.set([row.length, row[0] ?? 0, 1], r * 3));
  process.send({ id, data });
});
