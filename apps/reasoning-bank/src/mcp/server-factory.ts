import { McpServer, type McpServerFactory } from '@modelcontextprotocol/server';
import type { App } from '../app.js';
import { VERSION } from '../version.js';
import { withCachedJsonSchema } from './cached-json-schema.js';
import { registerMemoryResource } from './memory-resource.js';
import { registerTools } from './register-tools.js';
import type { ToolSpec } from './tool.js';
import { adminTools } from './tools/admin-tools.js';
import { llmTools } from './tools/llm-tools.js';
import { memoryTools } from './tools/memory-tools.js';
import { opsTools } from './tools/ops-tools.js';

const INSTRUCTIONS =
  'ReasoningBank: a memory of lessons learned from past attempts. Before a non-trivial task, call retrieve_memories ' +
  'with the task; after finishing (or failing) it, call learn_from_trajectory with the task, what you did and how it ' +
  'ended, so the lessons are there next time. Every tool takes an optional workspace (e.g. the project name).';

/** Every tool of the server, in the order tools/list shows them. */
export function allTools(defaultWorkspace: string): ToolSpec[] {
  return [...memoryTools(defaultWorkspace), ...llmTools(defaultWorkspace), ...adminTools(defaultWorkspace), ...opsTools()];
}

/**
 * The factory both transports use: one `McpServer` per stdio connection, per 2025-11-25 HTTP session, or per
 * 2026-07-28 request, all sharing the one `App` (store, model, metrics). Only per-connection state differs: whether
 * the client offers sampling.
 */
export function createServerFactory(app: App): McpServerFactory {
  // Converted to JSON Schema once for the process, not on every tools/list and stateless request.
  const tools = allTools(app.config.workspace).map((tool) => ({
    ...tool,
    input: withCachedJsonSchema(tool.input),
    output: withCachedJsonSchema(tool.output),
  }));
  return ({ era }) => {
    const server = new McpServer(
      { name: 'reasoning-bank', title: 'ReasoningBank', version: VERSION },
      { capabilities: { tools: {}, resources: {} }, instructions: INSTRUCTIONS },
    );
    registerTools(server, app, tools, era);
    registerMemoryResource(server, app);
    return server;
  };
}
