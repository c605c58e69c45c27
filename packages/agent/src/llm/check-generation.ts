import { z } from 'zod';
import { LanguageModelError } from '../errors.js';
import { isAbortSignal, parseInput } from '../parse-input.js';
import type { GenerateRequest, GenerateResult, LanguageModel } from './language-model.js';

const GenerateRequestSchema = z.strictObject({
  instructions: z.string().max(2_000_000).optional(),
  messages: z
    .array(z.strictObject({ role: z.enum(['user', 'assistant']), content: z.string().max(2_000_000) }))
    .min(1)
    .max(1000),
  temperature: z.number().min(0).max(2).optional(),
  maxOutputTokens: z.int().min(1).max(10_000_000).optional(),
  responseFormat: z
    .strictObject({
      type: z.literal('json-schema'),
      name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -'),
      schema: z.record(z.string(), z.unknown()),
    })
    .optional(),
  signal: z.custom<AbortSignal>(isAbortSignal, 'must be an AbortSignal').optional(),
});

/** Checks a request at the boundary of a client: `INVALID_INPUT` naming the field. */
export function checkGenerateRequest(request: unknown): GenerateRequest {
  return parseInput(GenerateRequestSchema, request, 'request') as GenerateRequest;
}

/**
 * Turns an answer that is not usable as it stands into the matching typed error, carrying what the call cost and
 * what text arrived: a refusal, a content-filter stop, a cut at the output limit, or nothing at all. Used by the
 * clients and, for any other `LanguageModel`, by the agent.
 */
export function assertUsable(result: GenerateResult, model: Pick<LanguageModel, 'provider' | 'modelId'>): GenerateResult {
  const base = { provider: model.provider, model: result.model || model.modelId, usage: result.usage, partialText: result.text };
  switch (result.finishReason) {
    case 'refusal':
      throw new LanguageModelError({ ...base, code: 'REFUSED', message: `${model.modelId} refused to answer: ${clip(result.text)}` });
    case 'content-filter':
      throw new LanguageModelError({ ...base, code: 'CONTENT_FILTERED', message: `${model.modelId}'s answer was stopped by the provider's content filter` });
    case 'length':
      throw new LanguageModelError({
        ...base,
        code: 'OUTPUT_TRUNCATED',
        message: `${model.modelId}'s answer was cut at the output-token limit after ${result.usage.output} tokens; raise maxOutputTokens or shorten the task`,
      });
    default:
      if (result.text.trim() === '') {
        throw new LanguageModelError({ ...base, code: 'EMPTY_RESPONSE', message: `${model.modelId} finished (${result.finishReason}) without any text` });
      }
      return result;
  }
}

function clip(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}...` : flat || '(no reason given)';
}

/** Parses a JSON answer, also when a model wrapped it in a Markdown code fence. `undefined` when it does not parse. */
export function parseJsonText(text: string): unknown {
  const trimmed = text.trim();
  const fenced = /^```(?:json)?\s*\n([\s\S]*?)\n?```$/i.exec(trimmed);
  const candidate = fenced ? fenced[1]! : trimmed;
  try {
    return JSON.parse(candidate);
  } catch {
    return undefined;
  }
}
