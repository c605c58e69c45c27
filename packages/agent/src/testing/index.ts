// `@rb/agent/testing`: a real HTTP server speaking OpenAI's wire formats, for tests of agents without a paid API.
export { startTestLlmServer } from './test-llm-server.js';
export type {
  TestLlmServer,
  TestLlmServerOptions,
  RecordedLlmRequest,
  Reply,
  ReplySpec,
  RequestMatcher,
} from './test-llm-server.js';
export { AGENT_SCHEMAS, agentStep } from './agent-steps.js';
export type { AgentStep } from './agent-steps.js';
export { runLessonScenario, SCENARIO_LESSON } from './lesson-scenario.js';
export type { LessonScenarioResult } from './lesson-scenario.js';
