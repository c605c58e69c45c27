import { createInstrumentation } from '@rb/telemetry';
import { VERSION } from './version.js';

/** The app's own instrumentation scope: one SERVER span per tool call, parent of the packages' spans. */
export const telemetry = createInstrumentation({ name: '@rb/reasoning-bank', version: VERSION });

// OpenTelemetry's MCP semantic conventions.
export const ATTR_MCP_METHOD_NAME = 'mcp.method.name';
export const ATTR_MCP_SESSION_ID = 'mcp.session.id';
export const ATTR_GEN_AI_TOOL_NAME = 'gen_ai.tool.name';
