import { randomUUID } from 'node:crypto';
import { SpanKind, type Attributes, type Span } from '@opentelemetry/api';
import { MemoryCache } from '@rb/cache';
import { APIConnectionPool, HttpError, HttpPoolError, TimeoutError, type ServerSentEvent } from '@rb/http-pool';
import type { TokenUsage } from '@rb/memory';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  GEN_AI_OPERATION,
  genAiSpanName,
  recordTokenUsage,
} from '@rb/telemetry';
import { AgentError, LanguageModelError, type AgentErrorCode } from '../errors.js';
import { instrumentation } from '../telemetry.js';
import { assertUsable, checkGenerateRequest, parseJsonText } from './check-generation.js';
import { ConcurrencyLimit } from './concurrency-limit.js';
import type { FinishReason, GenerateRequest, GenerateResult, LanguageModel } from './language-model.js';
import type { ResolvedClientOptions } from './openai-client-options.js';
import { redactSecrets } from './redact-secrets.js';
import { requestHash } from './request-hash.js';

/** What one API's answer says, before the common checks. */
export interface WireAnswer {
  text: string;
  /** The refusal text, when the model refused. */
  refusal?: string;
  finishReason: FinishReason;
  usage: TokenUsage;
  model?: string;
  id?: string;
}

/** What {@link OpenAICompatibleClient.getStatistics} reports since the client was created. */
export interface LanguageModelStatistics {
  /** `generate` calls finished (answered from the cache or the provider, or failed). */
  calls: number;
  /** Calls answered from the response cache. */
  cacheHits: number;
  /** Calls that failed. */
  failures: number;
  /** Tokens billed by the provider (cache hits excluded; failed calls included when the provider reported them). */
  usage: Required<TokenUsage>;
  /** Tokens the cache hits would have cost. */
  savedUsage: { input: number; output: number };
  /** Calls being answered now, and calls waiting for a slot of `maxConcurrency`. */
  inFlight: number;
  queued: number;
}

type FailExtra = { status?: number; isRetryable?: boolean; cause?: unknown; usage?: TokenUsage };

const ATTR_GEN_AI_OUTPUT_TYPE = 'gen_ai.output.type';
const ATTR_FROM_CACHE = 'rb.llm.from_cache';

/**
 * The common part of the OpenAI-compatible clients: request checks, the concurrency limit, the response cache,
 * spans, error mapping and secret redaction. Subclasses only translate to and from their API's wire format.
 */
export abstract class OpenAICompatibleClient implements LanguageModel {
  readonly provider: string;
  readonly modelId: string;
  protected readonly settings: ResolvedClientOptions;
  readonly #pool: APIConnectionPool;
  readonly #limit: ConcurrencyLimit;
  readonly #cache: MemoryCache<GenerateResult> | undefined;
  readonly #url: string;
  #closed = false;
  readonly #stats = {
    calls: 0,
    cacheHits: 0,
    failures: 0,
    usage: { input: 0, output: 0, reasoning: 0, cached: 0 },
    savedUsage: { input: 0, output: 0 },
  };

  protected constructor(settings: ResolvedClientOptions, path: string) {
    this.settings = settings;
    this.provider = settings.provider;
    this.modelId = settings.model;
    this.#url = settings.baseUrl + path;
    this.#limit = new ConcurrencyLimit(settings.maxConcurrency);
    this.#pool = new APIConnectionPool({
      poolSize: settings.maxConcurrency,
      maxRetries: settings.maxRetries,
      timeoutMs: settings.timeoutMs,
      headers: settings.headers,
      layers: { request: [this.#limit.layer()] },
      ...(settings.retry === undefined ? {} : { retry: settings.retry }),
    });
    this.#cache =
      settings.responseCache === false
        ? undefined
        : new MemoryCache<GenerateResult>({ ...settings.responseCache, name: `llm-responses:${settings.provider}` });
  }

  /** The API's request body for `request`. */
  protected abstract buildBody(request: GenerateRequest, stream: boolean): Record<string, unknown>;
  /** Reads a non-streamed answer. */
  protected abstract readBody(body: unknown): WireAnswer;
  /** Reads a streamed answer. */
  protected abstract readStream(events: AsyncIterable<ServerSentEvent>): Promise<WireAnswer>;

  async generate(input: GenerateRequest): Promise<GenerateResult> {
    const request = checkGenerateRequest(input);
    if (this.#closed) throw new AgentError({ code: 'CLOSED', message: `the ${this.constructor.name} is closed; create a new one` });
    const body = this.buildBody(request, this.settings.stream);
    const cacheKey = this.#cache !== undefined && request.temperature === 0 ? requestHash({ url: this.#url, body: withoutStreaming(body) }) : undefined;
    const attributes: Attributes = {
      [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION.CHAT,
      [ATTR_GEN_AI_PROVIDER_NAME]: this.provider,
      [ATTR_GEN_AI_REQUEST_MODEL]: this.modelId,
      [ATTR_GEN_AI_OUTPUT_TYPE]: request.responseFormat ? 'json' : 'text',
      ...(request.temperature === undefined ? {} : { [ATTR_GEN_AI_REQUEST_TEMPERATURE]: request.temperature }),
      ...(request.maxOutputTokens === undefined ? {} : { [ATTR_GEN_AI_REQUEST_MAX_TOKENS]: request.maxOutputTokens }),
    };
    try {
      const result = await instrumentation.withSpan(
        genAiSpanName(GEN_AI_OPERATION.CHAT, this.modelId),
        attributes,
        (span) => this.#generate(request, body, cacheKey, span),
        { kind: SpanKind.CLIENT },
      );
      this.#stats.calls++;
      return result;
    } catch (error) {
      this.#stats.calls++;
      this.#stats.failures++;
      throw error;
    }
  }

  async #generate(request: GenerateRequest, body: Record<string, unknown>, cacheKey: string | undefined, span: Span): Promise<GenerateResult> {
    if (cacheKey !== undefined) {
      const hit = this.#cache!.get(cacheKey);
      if (hit !== undefined) {
        this.#stats.cacheHits++;
        this.#stats.savedUsage.input += hit.usage.input;
        this.#stats.savedUsage.output += hit.usage.output;
        span.setAttribute(ATTR_FROM_CACHE, true);
        annotate(span, hit, { input: 0, output: 0 });
        return { ...hit, usage: { input: 0, output: 0 }, fromCache: true };
      }
    }
    const answer = await this.#call(body, request.signal);
    const usage = answer.usage;
    this.#count(usage);
    const result: GenerateResult = {
      text: answer.refusal ?? answer.text,
      usage,
      finishReason: answer.refusal !== undefined ? 'refusal' : answer.finishReason,
      model: answer.model ?? this.modelId,
      fromCache: false,
      ...(answer.id === undefined ? {} : { responseId: answer.id }),
    };
    if (request.responseFormat !== undefined && result.finishReason === 'stop') {
      const json = parseJsonText(result.text);
      if (json !== undefined) result.json = json;
    }
    span.setAttribute(ATTR_FROM_CACHE, false);
    annotate(span, result, usage);
    recordTokenUsage(instrumentation.instruments.tokenUsage, usage, {
      [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION.CHAT,
      [ATTR_GEN_AI_PROVIDER_NAME]: this.provider,
      [ATTR_GEN_AI_REQUEST_MODEL]: this.modelId,
    });
    assertUsable(result, this);
    // A JSON answer that does not even parse is not worth replaying from the cache.
    if (cacheKey !== undefined && (request.responseFormat === undefined || result.json !== undefined)) {
      this.#cache!.put(cacheKey, result);
    }
    return result;
  }

  async #call(body: Record<string, unknown>, signal: AbortSignal | undefined): Promise<WireAnswer> {
    const options = {
      json: body,
      ...(signal === undefined ? {} : { signal }),
      ...(this.settings.idempotencyKeys ? { idempotencyKey: randomUUID() } : {}),
    };
    try {
      if (!this.settings.stream) return this.readBody(await this.#pool.postJson(this.#url, options));
      const response = await this.#pool.post(this.#url, { ...options, headers: { accept: 'text/event-stream' } });
      return await this.readStream(response.events());
    } catch (error) {
      throw this.#toError(error, signal);
    }
  }

  #count(usage: TokenUsage): void {
    const total = this.#stats.usage;
    total.input += usage.input;
    total.output += usage.output;
    total.reasoning += usage.reasoning ?? 0;
    total.cached += usage.cached ?? 0;
  }

  /** Maps a pool, stream or wire-format failure to a `LanguageModelError` without any secret in it. */
  #toError(error: unknown, signal: AbortSignal | undefined): Error {
    // The wire readers throw ready-made errors (built with `fail`, so redacted).
    if (AgentError.isInstance(error)) return error;
    const fail = (code: AgentErrorCode, message: string, extra: FailExtra = {}) => this.fail(code, message, extra);
    if (signal?.aborted) return fail('ABORTED', `the call to ${this.modelId} was aborted`, { cause: signal.reason });
    if (HttpError.isInstance(error)) return this.#statusError(error);
    if (TimeoutError.isInstance(error)) return fail('TIMEOUT', error.message, { isRetryable: true });
    if (HttpPoolError.isInstance(error)) {
      if (error.code === 'ABORTED') return fail('ABORTED', `the call to ${this.modelId} was aborted`, { cause: signal?.reason });
      if (error.code === 'INVALID_RESPONSE') return fail('INVALID_RESPONSE', `${this.provider} answered with a body that is not JSON`);
      if (error.code === 'CLOSED') return fail('CLOSED', 'the connection pool of this client is closed');
      if (error.code === 'NETWORK_ERROR') return fail('NETWORK_ERROR', error.message, { isRetryable: true });
      return fail('PROVIDER_ERROR', error.message);
    }
    // A failure while reading a streamed body: undici's own errors.
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'UND_ERR_BODY_TIMEOUT') return fail('TIMEOUT', `${this.provider} went silent while streaming the answer`, { isRetryable: true });
    const detail = error instanceof Error ? error.message : String(error);
    return fail('NETWORK_ERROR', `the connection to ${this.provider} failed while reading the answer: ${detail}`, { isRetryable: true });
  }

  #statusError(error: HttpError): LanguageModelError {
    const status = error.status;
    const said = providerMessage(error.responseBody);
    const where = `${this.provider} (${error.url})`;
    const base = { provider: this.provider, model: this.modelId, status };
    if (status === 401 || status === 403) {
      const fix =
        this.settings.apiKey === undefined
          ? 'no API key is configured: set OPENAI_API_KEY or pass the apiKey option'
          : 'check the API key (OPENAI_API_KEY or the apiKey option) and that it may use this model and base URL';
      return new LanguageModelError({
        ...base,
        code: 'AUTHENTICATION',
        message: this.#redact(`${where} refused the credentials with status ${status}${said ? ` (${said})` : ''}; ${fix}`),
      });
    }
    if (status === 429) {
      return new LanguageModelError({
        ...base,
        code: 'RATE_LIMITED',
        isRetryable: true,
        message: this.#redact(`${where} is rate limiting (429) after ${error.attempts} attempt(s)${said ? `: ${said}` : ''}`),
      });
    }
    return new LanguageModelError({
      ...base,
      code: 'PROVIDER_ERROR',
      isRetryable: status === 408 || status >= 500,
      message: this.#redact(`${where} answered status ${status}${said ? `: ${said}` : ''}`),
    });
  }

  #redact(text: string): string {
    return redactSecrets(text, this.settings.secrets);
  }

  /** A `LanguageModelError` of this client, its message cleared of secrets (for the wire readers too). */
  protected fail(code: AgentErrorCode, message: string, extra: FailExtra = {}): LanguageModelError {
    return new LanguageModelError({ code, message: this.#redact(message), provider: this.provider, model: this.modelId, ...extra });
  }

  getStatistics(): LanguageModelStatistics {
    const s = this.#stats;
    return {
      calls: s.calls,
      cacheHits: s.cacheHits,
      failures: s.failures,
      usage: { ...s.usage },
      savedUsage: { ...s.savedUsage },
      inFlight: this.#limit.active,
      queued: this.#limit.waiting,
    };
  }

  /** Empties the response cache. */
  clearCache(): void {
    if (!this.#closed) this.#cache?.clear();
  }

  /** Refuses new calls, waits for those in flight, closes the connections and frees the cache. Calling it again is harmless. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#pool.close();
    this.#cache?.dispose();
  }
}

function withoutStreaming(body: Record<string, unknown>): Record<string, unknown> {
  const { stream: _stream, stream_options: _options, ...rest } = body;
  return rest;
}

function annotate(span: Span, result: GenerateResult, usage: TokenUsage): void {
  span.setAttributes({
    [ATTR_GEN_AI_RESPONSE_MODEL]: result.model,
    [ATTR_GEN_AI_RESPONSE_FINISH_REASONS]: [result.finishReason],
    [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: usage.input,
    [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: usage.output,
    ...(result.responseId === undefined ? {} : { [ATTR_GEN_AI_RESPONSE_ID]: result.responseId }),
  });
}

/** The `error.message` of an OpenAI-style error body, else the start of the body, on one line. */
function providerMessage(body: string): string {
  let message: unknown;
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown };
    message = typeof parsed.error === 'string' ? parsed.error : (parsed.error?.message ?? parsed.message);
  } catch {
    message = body;
  }
  const flat = (typeof message === 'string' ? message : '').replace(/\s+/g, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 300)}...` : flat;
}
