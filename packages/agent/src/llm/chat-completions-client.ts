import type { ServerSentEvent } from '@rb/http-pool';
import type { TokenUsage } from '@rb/memory';
import type { FinishReason, GenerateRequest } from './language-model.js';
import { resolveClientOptions, type OpenAIClientOptions } from './openai-client-options.js';
import { OpenAICompatibleClient, type WireAnswer } from './openai-compatible-client.js';
import { strictJsonSchema } from './strict-json-schema.js';
import { asObject, count, parseEvent } from './wire-values.js';

/** Options of {@link ChatCompletionsClient}. */
export interface ChatCompletionsClientOptions extends OpenAIClientOptions {
  /**
   * Body field carrying `maxOutputTokens`: OpenAI's current `max_completion_tokens` (required by its reasoning
   * models), or `max_tokens` for older OpenAI-compatible servers. Defaults to `'max_completion_tokens'`.
   */
  maxTokensParameter?: 'max_completion_tokens' | 'max_tokens';
}

const FINISH_REASONS: Record<string, FinishReason> = {
  stop: 'stop',
  length: 'length',
  content_filter: 'content-filter',
  tool_calls: 'tool-calls',
  function_call: 'tool-calls',
};

/**
 * A `LanguageModel` over Chat Completions (`POST {baseUrl}/chat/completions`), which OpenAI, OpenRouter, vLLM,
 * llama.cpp, Ollama and most other servers speak. Same behaviour as `ResponsesAPIClient`.
 */
export class ChatCompletionsClient extends OpenAICompatibleClient {
  readonly #maxTokensParameter: 'max_completion_tokens' | 'max_tokens';

  constructor(options: ChatCompletionsClientOptions = {}) {
    const { resolved, read } = resolveClientOptions(options, ['maxTokensParameter']);
    super(resolved, '/chat/completions');
    this.#maxTokensParameter = read.oneOf('maxTokensParameter', ['max_completion_tokens', 'max_tokens'], 'max_completion_tokens');
  }

  protected buildBody(request: GenerateRequest, stream: boolean): Record<string, unknown> {
    const format = request.responseFormat;
    return {
      model: this.modelId,
      messages: [
        ...(request.instructions ? [{ role: 'system', content: request.instructions }] : []),
        ...request.messages.map((m) => ({ role: m.role, content: m.content })),
      ],
      ...(request.temperature !== undefined && this.settings.sendTemperature ? { temperature: request.temperature } : {}),
      ...(request.maxOutputTokens === undefined ? {} : { [this.#maxTokensParameter]: request.maxOutputTokens }),
      ...(format === undefined
        ? {}
        : { response_format: { type: 'json_schema', json_schema: { name: format.name, schema: strictJsonSchema(format.schema), strict: true } } }),
      ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
    };
  }

  protected readBody(body: unknown): WireAnswer {
    const completion = asObject(body);
    this.#throwIfError(completion);
    const choice = Array.isArray(completion?.['choices']) ? asObject(completion['choices'][0]) : undefined;
    const message = asObject(choice?.['message']);
    if (completion === undefined || message === undefined) {
      throw this.fail('INVALID_RESPONSE', `${this.provider} answered without choices[0].message: not a Chat Completions answer`);
    }
    const refusal = typeof message['refusal'] === 'string' && message['refusal'] !== '' ? message['refusal'] : undefined;
    return {
      text: typeof message['content'] === 'string' ? message['content'] : '',
      ...(refusal === undefined ? {} : { refusal }),
      finishReason: FINISH_REASONS[String(choice?.['finish_reason'])] ?? 'other',
      usage: readUsage(completion['usage']),
      ...(typeof completion['model'] === 'string' ? { model: completion['model'] } : {}),
      ...(typeof completion['id'] === 'string' ? { id: completion['id'] } : {}),
    };
  }

  protected async readStream(events: AsyncIterable<ServerSentEvent>): Promise<WireAnswer> {
    let text = '';
    let refusal: string | undefined;
    let finish: string | undefined;
    let usage: TokenUsage | undefined;
    let model: string | undefined;
    let id: string | undefined;
    let done = false;
    for await (const event of events) {
      if (event.data === '[DONE]') {
        done = true;
        break;
      }
      const chunk = parseEvent(event.data);
      this.#throwIfError(chunk);
      if (chunk === undefined) continue;
      if (typeof chunk['model'] === 'string') model = chunk['model'];
      if (typeof chunk['id'] === 'string') id = chunk['id'];
      if (chunk['usage'] !== undefined && chunk['usage'] !== null) usage = readUsage(chunk['usage']);
      const choice = Array.isArray(chunk['choices']) ? asObject(chunk['choices'][0]) : undefined;
      const delta = asObject(choice?.['delta']);
      if (typeof delta?.['content'] === 'string') text += delta['content'];
      if (typeof delta?.['refusal'] === 'string') refusal = (refusal ?? '') + delta['refusal'];
      if (typeof choice?.['finish_reason'] === 'string') finish = choice['finish_reason'];
    }
    // Without `[DONE]` or a finish reason the answer may be cut anywhere: never hand it on as if it were whole.
    if (!done && finish === undefined) {
      throw this.fail('NETWORK_ERROR', `the stream from ${this.provider} ended before the answer finished`, { isRetryable: true });
    }
    return {
      text,
      ...(refusal === undefined ? {} : { refusal }),
      finishReason: finish === undefined ? 'other' : (FINISH_REASONS[finish] ?? 'other'),
      usage: usage ?? { input: 0, output: 0 },
      ...(model === undefined ? {} : { model }),
      ...(id === undefined ? {} : { id }),
    };
  }

  /** Some servers (OpenRouter among them) report a failure as a 200 with an `error` object. */
  #throwIfError(body: Record<string, unknown> | undefined): void {
    const error = body?.['error'];
    if (error === undefined || error === null) return;
    const said = asObject(error)?.['message'];
    throw this.fail('PROVIDER_ERROR', `${this.provider} reports an error: ${typeof said === 'string' ? said : 'no reason given'}`);
  }
}

function readUsage(value: unknown): TokenUsage {
  const usage = asObject(value);
  const cached = count(asObject(usage?.['prompt_tokens_details'])?.['cached_tokens']);
  const reasoning = count(asObject(usage?.['completion_tokens_details'])?.['reasoning_tokens']);
  return {
    input: count(usage?.['prompt_tokens']) ?? 0,
    output: count(usage?.['completion_tokens']) ?? 0,
    ...(reasoning === undefined ? {} : { reasoning }),
    ...(cached === undefined ? {} : { cached }),
  };
}
