// The facade first: most users need only createReasoningBank and a LanguageModel.
export { createReasoningBank } from './reasoning-bank.js';
export type { ReasoningBank, ReasoningBankOptions, BankRetrieveRequest } from './reasoning-bank.js';
export { IterativeReasoningAgent } from './loop/iterative-reasoning-agent.js';
export type { AgentOptions } from './loop/agent-options.js';
export type { SolveRequest, LearnRequest, RunBudget, MattsOptions } from './loop/agent-requests.js';
export type { SolveResult, LearnResult, Learning, LearnedMemory, RunStatistics, StepFailure } from './loop/agent-results.js';
export type { AgentProgress, AgentPhase } from './loop/run-context.js';
export type { StopReason } from './loop/reasoning-loop.js';
export type { JudgedOutcome } from './judge/judge-trajectory.js';
export type { SkippedMemory } from './extract/consolidate.js';
export type { ExtractedMemory } from './extract/memory-item-schemas.js';
export type { AttemptSummary } from './scaling/matts-parallel.js';

// The model side.
export type { LanguageModel, ChatMessage, JsonSchemaFormat, GenerateRequest, GenerateResult, FinishReason } from './llm/language-model.js';
export { ResponsesAPIClient } from './llm/responses-api-client.js';
export type { ResponsesAPIClientOptions } from './llm/responses-api-client.js';
export { ChatCompletionsClient } from './llm/chat-completions-client.js';
export type { ChatCompletionsClientOptions } from './llm/chat-completions-client.js';
export type { OpenAIClientOptions } from './llm/openai-client-options.js';
export type { LanguageModelStatistics } from './llm/openai-compatible-client.js';

export { AgentError, LanguageModelError } from './errors.js';
export type { AgentErrorCode } from './errors.js';
