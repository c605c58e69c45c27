import { randomUUID } from 'node:crypto';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { CallToolResult, McpServer, ServerContext } from '@modelcontextprotocol/server';
import { RbError } from '@rb/errors';
import { ATTR_ERROR_TYPE, ATTR_GEN_AI_OPERATION_NAME } from '@rb/telemetry';
import { ATTR_GEN_AI_TOOL_NAME, ATTR_MCP_METHOD_NAME, ATTR_MCP_SESSION_ID, telemetry } from '../telemetry.js';
import type { App } from '../app.js';
import { AppError } from '../errors.js';
import { samplingModel } from './sampling-model.js';
import type { ToolContext, ToolSpec } from './tool.js';

/** How the connection a server instance serves was opened. */
export type ProtocolEra = 'legacy' | 'modern';

/**
 * Registers every tool on `server`, each wrapped the same way: arguments validated by its zod input schema (by the
 * SDK, which answers bad ones with an `isError` result naming the field), its result checked against its output
 * schema and sent both as `structuredContent` and as JSON text, errors turned into `isError` results naming the
 * argument at fault, progress and cancellation wired to the client, and every call recorded in the app's metrics.
 */
export function registerTools(server: McpServer, app: App, tools: readonly ToolSpec[], era: ProtocolEra): void {
  for (const tool of tools) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: tool.input,
        outputSchema: tool.output,
        annotations: { title: tool.title, ...tool.hints },
      },
      (args: unknown, ctx: ServerContext) => callTool(server, app, tool, era, args, ctx),
    );
  }
}

function callTool(server: McpServer, app: App, tool: ToolSpec, era: ProtocolEra, args: unknown, ctx: ServerContext): Promise<CallToolResult> {
  const attributes = {
    [ATTR_MCP_METHOD_NAME]: 'tools/call',
    [ATTR_GEN_AI_TOOL_NAME]: tool.name,
    [ATTR_GEN_AI_OPERATION_NAME]: 'execute_tool',
    ...(ctx.sessionId === undefined ? {} : { [ATTR_MCP_SESSION_ID]: ctx.sessionId }),
  };
  return telemetry.withSpan(`tools/call ${tool.name}`, attributes, async (span): Promise<CallToolResult> => {
    const started = performance.now();
    const signal = ctx.mcpReq.signal;
    const context = toolContext(server, app, era, ctx);
    try {
      const result = tool.output.safeParse(await tool.run(args as never, context));
      if (!result.success) {
        // A bug of ours, not the caller's: say so, and keep the details in the log.
        throw new Error(`the result of ${tool.name} did not match its output schema: ${result.error.issues[0]?.message}`);
      }
      app.metrics.record(tool.name, performance.now() - started, 'ok');
      const structuredContent = result.data as Record<string, unknown>;
      return { content: [{ type: 'text', text: JSON.stringify(structuredContent) }], structuredContent };
    } catch (error) {
      const cancelled = signal.aborted;
      app.metrics.record(tool.name, performance.now() - started, cancelled ? 'cancelled' : 'error');
      // The error becomes a result the client reads; the span still says the call failed, and why (its code only).
      span.setAttribute(ATTR_ERROR_TYPE, cancelled ? 'cancelled' : RbError.isInstance(error) ? error.code : 'INTERNAL');
      span.setStatus({ code: SpanStatusCode.ERROR });
      return { isError: true, content: [{ type: 'text', text: describeError(app, tool, error, cancelled) }] };
    }
  }, { kind: SpanKind.SERVER });
}

function toolContext(server: McpServer, app: App, era: ProtocolEra, ctx: ServerContext): ToolContext {
  const token = ctx.mcpReq._meta?.progressToken;
  let last = -Infinity;
  const samplingOffered = () => era === 'legacy' && server.server.getClientCapabilities()?.sampling !== undefined;
  return {
    app,
    signal: ctx.mcpReq.signal,
    workspace: (argument) => argument ?? app.config.workspace,
    progress({ done, total, message }) {
      // Progress must increase with every notification; a client may drop a repeated value.
      if (token === undefined || done <= last || ctx.mcpReq.signal.aborted) return;
      last = done;
      const params = { progressToken: token, progress: done, ...(total === undefined ? {} : { total }), ...(message === undefined ? {} : { message }) };
      ctx.mcpReq.notify({ method: 'notifications/progress', params }).catch((error: unknown) => {
        app.logger.debug({ err: error }, 'a progress notification could not be sent');
      });
    },
    languageModel() {
      if (app.model) return app.model;
      if (samplingOffered()) return samplingModel(ctx.mcpReq.requestSampling, ctx.mcpReq.signal);
      throw new AppError({
        code: 'LLM_NOT_CONFIGURED',
        message:
          'this tool needs an LLM and none is available: set RB_LLM_BASE_URL (an OpenAI-compatible API such as ' +
          'https://api.openai.com/v1 or a local server) and its key in RB_LLM_API_KEY or OPENAI_API_KEY in the ' +
          "server's environment, or connect with a client that offers MCP sampling (protocol 2025-11-25). " +
          'The memory tools work without one.',
      });
    },
    llmSource: () => (app.model ? 'endpoint' : samplingOffered() ? 'sampling' : 'none'),
  };
}

function describeError(app: App, tool: ToolSpec, error: unknown, cancelled: boolean): string {
  if (cancelled) return `${tool.name} was cancelled; nothing of it is half written.`;
  if (RbError.isInstance(error)) {
    const field = error.field === undefined ? undefined : (tool.argumentOf?.(error.field) ?? error.field);
    let message = error.message;
    // Messages start with the field path of the layer that threw it: show the argument's name instead.
    if (field !== undefined && error.field !== undefined && field !== error.field && message.startsWith(error.field)) {
      message = field + message.slice(error.field.length);
    }
    if (!error.isRetryable && error.code !== 'INVALID_INPUT' && error.code !== 'CONFIRMATION_REQUIRED' && error.code !== 'NOT_FOUND') {
      app.logger.warn({ tool: tool.name, err: error.toJSON() }, 'tool failed');
    }
    return `${error.code}${field === undefined ? '' : ` (argument ${field})`}: ${message}${error.isRetryable ? ' (retryable)' : ''}`;
  }
  // Not one of ours: its message may hold anything (paths, URLs), so it goes to the log only, under an id.
  const id = randomUUID();
  app.logger.error({ tool: tool.name, errorId: id, err: error }, 'tool failed unexpectedly');
  return `INTERNAL: ${tool.name} failed unexpectedly (${error instanceof Error ? error.name : typeof error}); the server log has the details under error id ${id}.`;
}
