import type { ServerSentEvent } from '@rb/http-pool';
import type { TokenUsage } from '@rb/memory';
import type { FinishReason, GenerateRequest } from './language-model.js';
import { resolveClientOptions, type OpenAIClientOptions } from './openai-client-options.js';
import { OpenAICompatibleClient, type WireAnswer } from './openai-compatible-client.js';
import { strictJsonSchema } from './strict-json-schema.js';
import { asObject, count, parseEvent } from './wire-values.js';

/** Options of {@link ResponsesAPIClient}: those of every OpenAI-compatible client. */
export type ResponsesAPIClientOptions = OpenAIClientOptions;

/**
 * A `LanguageModel` over the OpenAI Responses API (`POST {baseUrl}/responses`), the seed's `ResponsesAPIClient`:
 * pooled keep-alive connections, retries that never repeat a billed call, a concurrency limit, a response cache for
 * temperature-0 calls, and a `chat {model}` span per call. Nothing is stored on the provider's side (`store: false`).
 */
export class ResponsesAPIClient extends OpenAICompatibleClient {
  constructor(options: ResponsesAPIClientOptions = {}) {
    super(resolveClientOptions(options).resolved, '/responses');
  }

  protected buildBody(request: GenerateRequest, stream: boolean): Record<string, unknown> {
    const format = request.responseFormat;
    return {
      model: this.modelId,
      ...(request.instructions ? { instructions: request.instructions } : {}),
      input: request.messages.map((m) => ({ role: m.role, content: m.content })),
      ...(request.temperature !== undefined && this.settings.sendTemperature ? { temperature: request.temperature } : {}),
      ...(request.maxOutputTokens === undefined ? {} : { max_output_tokens: request.maxOutputTokens }),
      ...(format === undefined
        ? {}
        : { text: { format: { type: 'json_schema', name: format.name, schema: strictJsonSchema(format.schema), strict: true } } }),
      store: false,
      ...(stream ? { stream: true } : {}),
    };
  }

  protected readBody(body: unknown): WireAnswer {
    const response = asObject(body);
    if (response === undefined || !Array.isArray(response['output'])) {
      throw this.fail('INVALID_RESPONSE', `${this.provider} answered without an "output" list: not a Responses API answer`);
    }
    const usage = readUsage(response['usage']);
    if (response['status'] === 'failed') {
      const error = asObject(response['error']);
      const said = typeof error?.['message'] === 'string' ? error['message'] : 'no reason given';
      throw this.fail('PROVIDER_ERROR', `${this.provider} reports the response failed: ${said}`, { usage });
    }
    let text = '';
    let refusal: string | undefined;
    let toolCall = false;
    for (const item of response['output'] as unknown[]) {
      const output = asObject(item);
      if (output?.['type'] === 'function_call') toolCall = true;
      if (output?.['type'] !== 'message' || !Array.isArray(output['content'])) continue;
      for (const part of output['content'] as unknown[]) {
        const content = asObject(part);
        if (content?.['type'] === 'output_text' && typeof content['text'] === 'string') text += content['text'];
        if (content?.['type'] === 'refusal' && typeof content['refusal'] === 'string') refusal = (refusal ?? '') + content['refusal'];
      }
    }
    return {
      text,
      ...(refusal === undefined ? {} : { refusal }),
      finishReason: finishReason(response, toolCall),
      usage,
      ...(typeof response['model'] === 'string' ? { model: response['model'] } : {}),
      ...(typeof response['id'] === 'string' ? { id: response['id'] } : {}),
    };
  }

  protected async readStream(events: AsyncIterable<ServerSentEvent>): Promise<WireAnswer> {
    for await (const event of events) {
      if (event.data === '[DONE]') break;
      const data = parseEvent(event.data);
      const type = data?.['type'] ?? event.event;
      // The terminal events carry the whole response, usage included: the deltas before them need no assembling.
      if (type === 'response.completed' || type === 'response.incomplete' || type === 'response.failed') {
        return this.readBody(data?.['response']);
      }
      if (type === 'error') {
        const said = typeof data?.['message'] === 'string' ? data['message'] : 'no reason given';
        throw this.fail('PROVIDER_ERROR', `${this.provider} sent an error event while streaming: ${said}`);
      }
    }
    throw this.fail('NETWORK_ERROR', `the stream from ${this.provider} ended before the response completed`, { isRetryable: true });
  }
}

function finishReason(response: Record<string, unknown>, toolCall: boolean): FinishReason {
  if (response['status'] === 'incomplete') {
    const reason = asObject(response['incomplete_details'])?.['reason'];
    if (reason === 'max_output_tokens') return 'length';
    if (reason === 'content_filter') return 'content-filter';
    return 'other';
  }
  if (toolCall) return 'tool-calls';
  return response['status'] === 'completed' || response['status'] === undefined ? 'stop' : 'other';
}

function readUsage(value: unknown): TokenUsage {
  const usage = asObject(value);
  const cached = count(asObject(usage?.['input_tokens_details'])?.['cached_tokens']);
  const reasoning = count(asObject(usage?.['output_tokens_details'])?.['reasoning_tokens']);
  return {
    input: count(usage?.['input_tokens']) ?? 0,
    output: count(usage?.['output_tokens']) ?? 0,
    ...(reasoning === undefined ? {} : { reasoning }),
    ...(cached === undefined ? {} : { cached }),
  };
}
