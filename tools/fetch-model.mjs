// The workspace's model fetch (root postinstall, `npm run fetch-model`): the same code as `npx rb-fetch-model`, the
// bin that @rb/embed-batch ships to its users, storing the verified all-MiniLM-L6-v2 in <repo>/.models.
//
// Usage: node tools/fetch-model.mjs [--dir DIR]    (default: $RB_MODEL_DIR, else <repo>/.models)
import { join, resolve } from 'node:path';
import { fetchModel } from '../packages/embed-batch/bin/fetch-model.mjs';

const dirFlag = process.argv.indexOf('--dir');
const modelsDir = resolve(
  dirFlag > 0 ? process.argv[dirFlag + 1] : (process.env.RB_MODEL_DIR ?? join(import.meta.dirname, '..', '.models')),
);
try {
  fetchModel(modelsDir, { log: (line) => console.log(line.replace(/^rb-fetch-model/, 'fetch-model')) });
} catch (error) {
  console.error(`fetch-model: FAILED: ${error.message}`);
  process.exit(1);
}
