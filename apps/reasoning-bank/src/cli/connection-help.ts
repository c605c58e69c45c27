import { resolve } from 'node:path';
import type { App } from '../app.js';

/** The path of the `rb` entry point, for the stdio `command`/`args` form. */
function cliPath(): string {
  return resolve(process.argv[1] ?? 'apps/reasoning-bank/dist/cli.js');
}

/** What `rb serve --http` prints: where it listens and how to connect the usual clients. */
export function connectionHelp(app: App, url: string): string {
  const auth = app.config.secrets.authToken !== undefined;
  const header = auth ? ' --header "Authorization: Bearer $RB_AUTH_TOKEN"' : '';
  const cursor = JSON.stringify({ mcpServers: { 'reasoning-bank': { url, ...(auth ? { headers: { Authorization: 'Bearer <RB_AUTH_TOKEN>' } } : {}) } } });
  const stdio = JSON.stringify({ mcpServers: { 'reasoning-bank': { command: process.execPath, args: [cliPath(), 'serve'] } } });
  const llm = app.model ? `${app.config.llm!.model} at the configured endpoint` : "none configured: LLM tools use the client's model (MCP sampling) when it offers it";
  return [
    '',
    `ReasoningBank MCP server: ${url}`,
    `  memory: ${app.backendDescription}; embeddings: ${app.embedder.model}; LLM: ${llm}`,
    `  default workspace: ${app.config.workspace}${auth ? '; clients must send Authorization: Bearer <RB_AUTH_TOKEN>' : ''}`,
    '',
    'Connect a client:',
    `  Claude Code    claude mcp add --transport http reasoning-bank ${url}${header}`,
    `  Cursor         add to ~/.cursor/mcp.json (or .cursor/mcp.json): ${cursor}`,
    `  MCP Inspector  npx @modelcontextprotocol/inspector@2.12.0 --cli ${url} --transport http --method tools/list${auth ? ' --header "Authorization: Bearer $RB_AUTH_TOKEN"' : ''}`,
    '                 (without --cli ... : the web UI; choose "Streamable HTTP" and this URL)',
    '  stdio instead  the client starts its own server (stop this one first: one server per data folder):',
    `                 ${stdio}`,
    '',
    'Ctrl-C stops the server.',
    '',
  ].join('\n');
}
