import { OptionReader, refuseRenamedOptions } from '@rb/errors';
import type { MemoryStore } from '@rb/memory';
import { invalidOptions } from '../errors.js';
import type { LanguageModel } from '../llm/language-model.js';

/**
 * Options of `IterativeReasoningAgent` (and of `createReasoningBank`). Only `model` is required; the names of the
 * prompt settings are the seed's (`max_prompt_tokens=12000`, `truncation_threshold=12000`,
 * `truncation_head_ratio=0.6`), in camelCase.
 */
export interface AgentOptions {
  /** The model that thinks, evaluates, judges and extracts. Required. */
  model: LanguageModel;
  /** The memory bank to retrieve from and learn into. Defaults to none: nothing is retrieved or learned. */
  store?: MemoryStore;
  /** A separate model for the judge and the extraction (often a stronger one). Defaults to `model`. */
  judgeModel?: LanguageModel;
  /** Think / refine rounds of one run, 1-20. Defaults to `3`. */
  maxIterations?: number;
  /** Self-evaluation score (0-1) at which the loop stops refining. Defaults to `0.8`. */
  successThreshold?: number;
  /** Temperature of answers (think, refine, MaTTS attempts), 0-2. Defaults to `0.7`. */
  generationTemperature?: number;
  /** Temperature of evaluation, judging, extraction and contrast, 0-2. Defaults to `0` (cacheable, repeatable). */
  evaluationTemperature?: number;
  /** Hard limit of a prompt's tokens (instructions + message); a task that alone needs more is refused. Defaults to `12000`. */
  maxPromptTokens?: number;
  /**
   * A prompt above this many tokens is compressed down to it: whitespace, comments and duplicates first, then
   * memories and old attempts are cut or dropped; the task and the output format never. At most `maxPromptTokens`.
   * Defaults to `12000`.
   */
  truncationThreshold?: number;
  /** Share of a truncated section kept from its start (the rest from its end), 0-1. Defaults to `0.6`. */
  truncationHeadRatio?: number;
  /** Most tokens of one answer or JSON reply. Defaults to `4096`. */
  maxOutputTokens?: number;
  /** Memories retrieved for a task, 0-20 (the paper found 1 best). Defaults to `1`. */
  retrievalK?: number;
  /** Whether failure-derived memories may be retrieved (they say what to avoid). Defaults to `true`. */
  includeFailureMemories?: boolean;
  /** Relevance a memory needs to be retrieved, 0-1. Defaults to the store's threshold, calibrated for its model. */
  minRelevance?: number;
  /** Similarity (0-1) at or above which a new memory is a duplicate of a stored one and is not stored. Defaults to `0.95`. */
  duplicateThreshold?: number;
  /**
   * Similarity (0-1) at or above which (and below `duplicateThreshold`) a new memory is stored as a refinement of the
   * nearest stored one: `parentId`, `derivedFrom` and `evolutionStage + 1`. Defaults to `0.85`.
   */
  refinementThreshold?: number;
  /** Tokens one run may spend (input + output, cache hits free), or `Infinity`. Defaults to `Infinity`. */
  tokenBudget?: number;
  /** Wall time of one run in ms, or `Infinity`. Defaults to `Infinity`. */
  timeBudgetMs?: number;
  /** MaTTS parallel attempts running at once, 1-100. Defaults to all `k` (the client's `maxConcurrency` still applies). */
  mattsConcurrency?: number;
  /** Clock for the wall-time budget, in ms. Inject for tests. Defaults to `performance.now`. */
  now?: () => number;
}

export interface AgentSettings {
  model: LanguageModel;
  store: MemoryStore | undefined;
  judgeModel: LanguageModel;
  maxIterations: number;
  successThreshold: number;
  generationTemperature: number;
  evaluationTemperature: number;
  maxPromptTokens: number;
  truncationThreshold: number;
  truncationHeadRatio: number;
  maxOutputTokens: number;
  retrievalK: number;
  includeFailureMemories: boolean;
  minRelevance: number | undefined;
  duplicateThreshold: number;
  refinementThreshold: number;
  tokenBudget: number;
  timeBudgetMs: number;
  mattsConcurrency: number | undefined;
  now: () => number;
}

export const AGENT_OPTION_NAMES = [
  'model',
  'store',
  'judgeModel',
  'maxIterations',
  'successThreshold',
  'generationTemperature',
  'evaluationTemperature',
  'maxPromptTokens',
  'truncationThreshold',
  'truncationHeadRatio',
  'maxOutputTokens',
  'retrievalK',
  'includeFailureMemories',
  'minRelevance',
  'duplicateThreshold',
  'refinementThreshold',
  'tokenBudget',
  'timeBudgetMs',
  'mattsConcurrency',
  'now',
] as const;

const RENAMED: Readonly<Record<string, string>> = {
  llm_client: 'use model (a LanguageModel such as new ResponsesAPIClient())',
  reasoning_bank: 'use store (a MemoryStore)',
  max_prompt_tokens: 'use maxPromptTokens',
  truncation_threshold: 'use truncationThreshold',
  truncation_head_ratio: 'use truncationHeadRatio',
  max_iterations: 'use maxIterations',
  success_threshold: 'use successThreshold',
  temperature: 'use generationTemperature or evaluationTemperature',
  k: 'use retrievalK',
  maxTokens: 'use tokenBudget (a run\'s whole spend), maxOutputTokens (one answer) or maxPromptTokens (one prompt)',
  timeoutMs: 'use timeBudgetMs (a run\'s wall time); HTTP timeouts are options of the model client',
};

export function resolveAgentOptions(options: unknown, extraNames: readonly string[] = []): { settings: AgentSettings; read: OptionReader } {
  if (options === undefined) throw invalidOptions('model', 'options with a model (a LanguageModel) are required');
  refuseRenamedOptions(options, RENAMED, invalidOptions);
  const read = new OptionReader(options, [...AGENT_OPTION_NAMES, ...extraNames], invalidOptions);
  const model = readModel(read, 'model');
  if (model === undefined) throw invalidOptions('model', 'model is required: a LanguageModel such as new ResponsesAPIClient()');
  const store = read.raw('store');
  if (store !== undefined && !isStore(store)) read.fail('store', 'a MemoryStore (with retrieve and addTrace)', store);

  const maxPromptTokens = read.integer('maxPromptTokens', { default: 12_000, min: 256, max: 10_000_000 });
  const truncationThreshold = read.integer('truncationThreshold', { default: Math.min(12_000, maxPromptTokens), min: 256, max: 10_000_000 });
  if (truncationThreshold > maxPromptTokens) {
    throw invalidOptions('truncationThreshold', `truncationThreshold (${truncationThreshold}) must not exceed maxPromptTokens (${maxPromptTokens})`);
  }
  const refinementThreshold = read.number('refinementThreshold', { default: 0.85, min: 0, max: 1 });
  const duplicateThreshold = read.number('duplicateThreshold', { default: 0.95, min: 0, max: 1 });
  if (refinementThreshold > duplicateThreshold) {
    throw invalidOptions('refinementThreshold', `refinementThreshold (${refinementThreshold}) must not exceed duplicateThreshold (${duplicateThreshold})`);
  }
  const now = read.function<() => number, undefined>('now', undefined);
  return {
    read,
    settings: {
      model,
      store: store as MemoryStore | undefined,
      judgeModel: readModel(read, 'judgeModel') ?? model,
      maxIterations: read.integer('maxIterations', { default: 3, min: 1, max: 20 }),
      successThreshold: read.number('successThreshold', { default: 0.8, min: 0, max: 1 }),
      generationTemperature: read.number('generationTemperature', { default: 0.7, min: 0, max: 2 }),
      evaluationTemperature: read.number('evaluationTemperature', { default: 0, min: 0, max: 2 }),
      maxPromptTokens,
      truncationThreshold,
      truncationHeadRatio: read.number('truncationHeadRatio', { default: 0.6, min: 0, max: 1 }),
      maxOutputTokens: read.integer('maxOutputTokens', { default: 4096, min: 16, max: 10_000_000 }),
      retrievalK: read.integer('retrievalK', { default: 1, min: 0, max: 20 }),
      includeFailureMemories: read.boolean('includeFailureMemories', true),
      minRelevance: read.number('minRelevance', { default: undefined, min: 0, max: 1 }),
      duplicateThreshold,
      refinementThreshold,
      tokenBudget: read.number('tokenBudget', { default: Infinity, above: 0, allowInfinity: true }),
      timeBudgetMs: read.number('timeBudgetMs', { default: Infinity, above: 0, allowInfinity: true }),
      mattsConcurrency: read.integer('mattsConcurrency', { default: undefined, min: 1, max: 100 }),
      now: now ?? (() => performance.now()),
    },
  };
}

function readModel(read: OptionReader, key: string): LanguageModel | undefined {
  const value = read.raw(key);
  if (value === undefined) return undefined;
  const model = value as Partial<LanguageModel>;
  if (typeof value !== 'object' || value === null || typeof model.generate !== 'function' || typeof model.modelId !== 'string' || typeof model.provider !== 'string') {
    read.fail(key, 'a LanguageModel ({ provider, modelId, generate(request) })', value);
  }
  return value as LanguageModel;
}

function isStore(value: unknown): boolean {
  const store = value as Partial<MemoryStore> | null;
  return typeof store === 'object' && store !== null && typeof store.retrieve === 'function' && typeof store.addTrace === 'function';
}
