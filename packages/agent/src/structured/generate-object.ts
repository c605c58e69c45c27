import { z } from 'zod';
import { LanguageModelError } from '../errors.js';
import { assertUsable, parseJsonText } from '../llm/check-generation.js';
import type { ChatMessage, GenerateResult, LanguageModel } from '../llm/language-model.js';

/** One JSON answer to ask for. */
export interface ObjectRequest<T> {
  /** The schema's name as the API sees it (`evaluation`, `verdict`...). */
  name: string;
  schema: z.ZodType<T>;
  instructions?: string;
  messages: readonly ChatMessage[];
  temperature: number;
  maxOutputTokens?: number;
  signal?: AbortSignal;
  /**
   * Checks the schema cannot express (an item quoting the task, say). Its complaints are sent back for the one repair
   * like schema errors; those left after it are returned in `issues` for the caller to act on.
   */
  check?: (value: T) => string[];
}

export interface ObjectResult<T> {
  value: T;
  /** Complaints of `check` the repair did not fix. */
  issues: string[];
  /** Whether a repair attempt was needed. */
  repaired: boolean;
}

/** The JSON Schema of a zod schema, as the structured-output APIs take it. */
export function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) as Record<string, unknown>;
}

/**
 * Asks `model` for a JSON answer, validates it with zod, and on a bad answer asks once more with the problems listed
 * (a repair). A second bad answer is an `INVALID_STRUCTURED_OUTPUT` error carrying the text. The prompts describe the
 * JSON shape as well, so a model that ignores `responseFormat` (MCP sampling) can answer; every answer is checked.
 */
export async function generateObject<T>(model: LanguageModel, request: ObjectRequest<T>): Promise<ObjectResult<T>> {
  const responseFormat = { type: 'json-schema' as const, name: request.name, schema: jsonSchemaOf(request.schema) };
  const ask = (messages: readonly ChatMessage[]) =>
    model
      .generate({
        ...(request.instructions === undefined ? {} : { instructions: request.instructions }),
        messages,
        temperature: request.temperature,
        responseFormat,
        ...(request.maxOutputTokens === undefined ? {} : { maxOutputTokens: request.maxOutputTokens }),
        ...(request.signal === undefined ? {} : { signal: request.signal }),
      })
      .then((result) => assertUsable(result, model));

  const first = await ask(request.messages);
  const firstRead = read(first, request);
  if (firstRead.ok && firstRead.issues.length === 0) return { value: firstRead.value, issues: [], repaired: false };

  const complaints = firstRead.ok ? firstRead.issues : firstRead.problems;
  const repair: ChatMessage = {
    role: 'user',
    content:
      `Your answer cannot be used as it is:\n${complaints.map((c) => `- ${c}`).join('\n')}\n\n` +
      'Answer again with the complete corrected JSON object only, matching the required schema, with no text around it.',
  };
  const second = await ask([...request.messages, { role: 'assistant', content: first.text }, repair]);
  const secondRead = read(second, request);
  if (secondRead.ok) return { value: secondRead.value, issues: secondRead.issues, repaired: true };
  throw new LanguageModelError({
    code: 'INVALID_STRUCTURED_OUTPUT',
    message: `${model.modelId} did not give a valid "${request.name}" JSON answer, even after a repair attempt: ${secondRead.problems.slice(0, 3).join('; ')}`,
    provider: model.provider,
    model: second.model || model.modelId,
    usage: { input: first.usage.input + second.usage.input, output: first.usage.output + second.usage.output },
    partialText: second.text,
  });
}

type Read<T> = { ok: true; value: T; issues: string[] } | { ok: false; problems: string[] };

function read<T>(result: GenerateResult, request: ObjectRequest<T>): Read<T> {
  const json = result.json !== undefined ? result.json : parseJsonText(result.text);
  if (json === undefined) return { ok: false, problems: ['it is not valid JSON (no text may come before or after the object)'] };
  const parsed = request.schema.safeParse(json);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.slice(0, 10).map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'the object'}: ${issue.message}`),
    };
  }
  return { ok: true, value: parsed.data, issues: request.check?.(parsed.data) ?? [] };
}
