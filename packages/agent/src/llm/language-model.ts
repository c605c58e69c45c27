import type { TokenUsage } from '@rb/memory';

/**
 * What the agent needs from a language model, and nothing more: one call that turns instructions and messages into
 * text. `ResponsesAPIClient` and `ChatCompletionsClient` implement it over HTTP; an MCP server can wrap the client's
 * own model (MCP sampling) in a few lines:
 *
 * ```ts
 * const sampling: LanguageModel = {
 *   provider: 'mcp-sampling',
 *   modelId: 'client',
 *   async generate(request) {
 *     const r = await server.createMessage({
 *       systemPrompt: request.instructions,
 *       messages: request.messages.map((m) => ({ role: m.role, content: { type: 'text', text: m.content } })),
 *       temperature: request.temperature,
 *       maxTokens: request.maxOutputTokens ?? 4096,
 *     }, { signal: request.signal });
 *     const text = r.content.type === 'text' ? r.content.text : '';
 *     return { text, usage: { input: 0, output: 0 }, model: r.model,
 *       finishReason: r.stopReason === 'maxTokens' ? 'length' : 'stop', fromCache: false };
 *   },
 * };
 * ```
 */
export interface LanguageModel {
  /** Who serves the model, as the GenAI conventions name it (`openai`, `openrouter`, ...). */
  readonly provider: string;
  /** The model asked for (`gpt-4o-mini`); also picks the tokenizer used to fit prompts. */
  readonly modelId: string;
  /**
   * Generates one answer. Implementations should reject with an `AgentError` / `LanguageModelError` on failure; a
   * result whose `finishReason` is `length`, `refusal` or `content-filter`, or whose text is empty, is turned into
   * the matching typed error by the agent in any case.
   */
  generate(request: GenerateRequest): Promise<GenerateResult>;
}

/** One turn of the conversation. System text goes in {@link GenerateRequest.instructions}. */
export interface ChatMessage {
  role: 'user' | 'assistant';
  content: string;
}

/**
 * Asks for a JSON answer matching `schema` (JSON Schema, e.g. from `z.toJSONSchema`). APIs with structured outputs
 * enforce it; a model without them gets the shape from the prompt, and the agent validates and repairs in any case.
 */
export interface JsonSchemaFormat {
  type: 'json-schema';
  /** A short identifier of the schema (`[a-zA-Z0-9_-]`, at most 64 characters), as the APIs require. */
  name: string;
  schema: Record<string, unknown>;
}

export interface GenerateRequest {
  /** System / developer instructions. Defaults to none. */
  instructions?: string;
  /** The conversation, at least one message. */
  messages: readonly ChatMessage[];
  /** Sampling temperature, 0-2. Defaults to the provider's. At 0 a client may answer from its response cache. */
  temperature?: number;
  /** Most tokens the answer may have (reasoning tokens included, where the API counts them). Defaults to the provider's. */
  maxOutputTokens?: number;
  /** Ask for JSON matching a schema. Defaults to plain text. */
  responseFormat?: JsonSchemaFormat;
  /** Cancels the call (and its retries). */
  signal?: AbortSignal;
}

/**
 * Why the model stopped: `stop` (it finished), `length` (cut at the output limit), `content-filter`, `refusal`,
 * `tool-calls`, or `other`.
 */
export type FinishReason = 'stop' | 'length' | 'content-filter' | 'refusal' | 'tool-calls' | 'other';

export interface GenerateResult {
  /** The answer's text (for a JSON answer, the JSON text). */
  text: string;
  /** The answer parsed as JSON, when a `responseFormat` was asked for and the text parsed. Not yet schema-checked. */
  json?: unknown;
  /**
   * Tokens this call spent: `input`, `output`, and where the API reports them `reasoning` (part of `output`) and
   * `cached` (part of `input`). All zero for an answer served from a response cache.
   */
  usage: TokenUsage;
  finishReason: FinishReason;
  /** The model that answered, as the provider reports it (may be a dated version of the one asked for). */
  model: string;
  /** True when the answer came from a response cache: nothing was spent. */
  fromCache: boolean;
  /** The provider's id of the response, when it gives one. */
  responseId?: string;
}
