import { RbError } from '@rb/errors';
import type { TokenUsage } from '@rb/memory';

/**
 * What went wrong, as a stable string a caller can switch on.
 * - `INVALID_INPUT`: a field of a `solve`, `learn`, `retrieve` or `generate` request is malformed; `field` names it.
 * - `INVALID_OPTIONS`: an option has the wrong type or value; `field` names it.
 * - `AUTHENTICATION`: the provider refused the API key (401 / 403). Never retried; the message says what to configure.
 * - `RATE_LIMITED`: the provider answered 429 and retries ran out (or it asked to wait too long). Retryable.
 * - `PROVIDER_ERROR`: the provider answered another error status (`status` says which). Retryable for 5xx.
 * - `TIMEOUT`: the HTTP deadline or a connect / headers / body timeout expired. Retryable.
 * - `NETWORK_ERROR`: the connection failed or was reset. Retryable, but the provider may have billed the call.
 * - `INVALID_RESPONSE`: the provider's answer is not the wire format of its API.
 * - `REFUSED`: the model refused to answer (`partialText` holds the refusal).
 * - `CONTENT_FILTERED`: the provider's content filter stopped the answer.
 * - `EMPTY_RESPONSE`: the model finished without any text.
 * - `OUTPUT_TRUNCATED`: the answer was cut at the output-token limit (`partialText` holds what arrived).
 * - `INVALID_STRUCTURED_OUTPUT`: a JSON answer did not match its schema, even after one repair attempt.
 * - `BUDGET_EXCEEDED`: a token or wall-time budget ran out before a step that could not be skipped.
 * - `ABORTED`: the caller's `AbortSignal` fired; its reason is the `cause`.
 * - `CLOSED`: the client was used after `close()`.
 */
export type AgentErrorCode =
  | 'INVALID_INPUT'
  | 'INVALID_OPTIONS'
  | 'AUTHENTICATION'
  | 'RATE_LIMITED'
  | 'PROVIDER_ERROR'
  | 'TIMEOUT'
  | 'NETWORK_ERROR'
  | 'INVALID_RESPONSE'
  | 'REFUSED'
  | 'CONTENT_FILTERED'
  | 'EMPTY_RESPONSE'
  | 'OUTPUT_TRUNCATED'
  | 'INVALID_STRUCTURED_OUTPUT'
  | 'BUDGET_EXCEEDED'
  | 'ABORTED'
  | 'CLOSED';

/** The one error type of `@rb/agent`; {@link LanguageModelError} adds what a failed model call knows. */
export class AgentError extends RbError<AgentErrorCode> {
  static override readonly kind: string = '@rb/agent.AgentError';
  override readonly name: string = 'AgentError';
}

/** A failed call to a language model: which provider and model, the HTTP status, and what it cost. */
export class LanguageModelError extends AgentError {
  static override readonly kind: string = '@rb/agent.LanguageModelError';
  override readonly name: string = 'LanguageModelError';
  readonly provider: string;
  readonly model: string;
  /** The HTTP status, when the provider answered with an error status. */
  readonly status: number | undefined;
  /** Tokens the failed call still cost (a cut-off or refused answer is billed). */
  readonly usage: TokenUsage | undefined;
  /** What the model said before the failure (`OUTPUT_TRUNCATED`, `REFUSED`, `INVALID_STRUCTURED_OUTPUT`). */
  readonly partialText: string | undefined;

  constructor(options: {
    code: AgentErrorCode;
    message: string;
    provider: string;
    model: string;
    status?: number;
    usage?: TokenUsage;
    partialText?: string;
    isRetryable?: boolean;
    cause?: unknown;
  }) {
    super(options);
    this.provider = options.provider;
    this.model = options.model;
    this.status = options.status;
    this.usage = options.usage;
    this.partialText = options.partialText;
  }
}

export function invalidOptions(field: string, message: string): AgentError {
  return new AgentError({ code: 'INVALID_OPTIONS', field, message });
}

export function invalidInput(field: string, message: string): AgentError {
  return new AgentError({ code: 'INVALID_INPUT', field, message });
}

/** The `ABORTED` error for a fired signal, keeping its reason as the cause. */
export function abortedError(signal: AbortSignal, what = 'the run'): AgentError {
  return new AgentError({ code: 'ABORTED', message: `${what} was aborted`, cause: signal.reason });
}
