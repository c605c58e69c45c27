// The app's programmatic surface: what the `rb` CLI is built from, for embedding the server in another process.
export { composeApp } from './compose/compose-app.js';
export type { ComposeOptions } from './compose/compose-app.js';
export type { App, AppCache, AppEmbedder, CacheFigures, ConfiguredModel } from './app.js';
export { resolveAppConfig, describeConfig, DEFAULT_PORT } from './config/app-options.js';
export type { AppOptions, AppConfig, AppSecrets, LlmConfig } from './config/app-options.js';
export { createServerFactory, allTools } from './mcp/server-factory.js';
export { startHttpServer } from './http/http-server.js';
export type { HttpServerOptions, RunningHttpServer } from './http/http-server.js';
export { createLogger } from './logger.js';
export type { Logger } from './logger.js';
export { AppError } from './errors.js';
export type { AppErrorCode } from './errors.js';
export { VERSION } from './version.js';
