import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ModelDtype } from './embedder-options.js';
import { EmbedError } from './errors.js';

/** The model `createEmbedder` loads by default (384 dimensions), and the one `rb-fetch-model` fetches. */
export const DEFAULT_MODEL = 'onnx-community/all-MiniLM-L6-v2-ONNX';

// transformers.js picks `onnx/model<suffix>.onnx` for a dtype.
const SUFFIX: Record<ModelDtype, string> = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  q4: '_q4',
  bnb4: '_bnb4',
  q4f16: '_q4f16',
};

export function defaultModelDir(): string {
  return resolve(process.env['RB_MODEL_DIR'] ?? '.models');
}

/**
 * Fails fast, naming the missing file, when a model is not on disk: transformers.js would otherwise wait forever on a
 * missing local file (its error escapes as an unhandled rejection).
 */
export function assertModelFiles(modelDir: string, model: string, dtype: ModelDtype): void {
  const folder = join(modelDir, model);
  const graph = `model${SUFFIX[dtype]}.onnx`;
  const needed = [
    'config.json',
    'tokenizer.json',
    'tokenizer_config.json',
    join('onnx', graph),
    ...externalDataFiles(folder, graph).map((file) => join('onnx', file)),
  ];
  const missing = needed.filter((file) => !existsSync(join(folder, file)));
  if (missing.length > 0) {
    const fetch = model === DEFAULT_MODEL ? `Fetch it with \`npx rb-fetch-model ${JSON.stringify(modelDir)}\`, or point` : 'Point';
    throw new EmbedError({
      code: 'MODEL_NOT_FOUND',
      field: 'modelDir',
      message:
        `model ${model} (${dtype}) is not in ${folder}: missing ${missing.join(', ')}. ${fetch}` +
        ' `modelDir` (or RB_MODEL_DIR) at a folder holding it, or set `allowRemoteModels: true` where the ' +
        'Hugging Face Hub is reachable.',
    });
  }
}

/** Weights stored beside the graph (`model_q4.onnx_data`, `_data_1`, ...), as the model's config.json declares them. */
function externalDataFiles(folder: string, graph: string): string[] {
  let declared: unknown;
  try {
    const config = JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8')) as Record<string, unknown>;
    declared = (config['transformers.js_config'] as Record<string, unknown> | undefined)?.['use_external_data_format'];
  } catch {
    return []; // a missing or unreadable config.json is reported as missing, or fails the load itself
  }
  const chunks =
    typeof declared === 'object' && declared !== null
      ? Number((declared as Record<string, unknown>)[graph] ?? (declared as Record<string, unknown>)['model'] ?? 0)
      : Number(declared ?? 0);
  return Array.from({ length: chunks }, (_, i) => `${graph}_data${i === 0 ? '' : `_${i}`}`);
}
