import { serveStdio } from '@modelcontextprotocol/server/stdio';
import type { App } from '../app.js';
import { composeApp } from '../compose/compose-app.js';
import { describeConfig } from '../config/app-options.js';
import { assertSafeBind, startHttpServer } from '../http/http-server.js';
import { createLogger, type Logger } from '../logger.js';
import { createServerFactory } from '../mcp/server-factory.js';
import { connectionHelp } from './connection-help.js';
import { configOf } from './open-app.js';
import type { GlobalFlags } from './output.js';

export interface ServeFlags extends GlobalFlags {
  http?: boolean;
  port?: string;
  host?: string;
}

/**
 * `rb serve`: MCP over stdio (the client starts the server), or with `--http` Streamable HTTP on 127.0.0.1.
 * Resolves when the server has stopped: at the end of stdin (stdio), or on SIGINT / SIGTERM; every part is closed
 * first (Chroma child, embedding workers, telemetry flush).
 */
export async function serve(flags: ServeFlags): Promise<void> {
  if (!flags.http) {
    // On stdio, stdout is the protocol: anything a library prints with console.* goes to stderr instead.
    for (const method of ['log', 'info', 'debug', 'warn'] as const) console[method] = console.error;
  }
  const config = configOf(flags, {
    logLevel: flags.logLevel ?? process.env['RB_LOG_LEVEL'] ?? 'info',
    // A numeric string is read like RB_PORT; anything else is refused naming `port`.
    ...(flags.port === undefined ? {} : { port: flags.port as unknown as number }),
    ...(flags.host === undefined ? {} : { host: flags.host }),
  });
  // Before anything starts: a refused bind should not cost a model load.
  if (flags.http) assertSafeBind(config.host, config.secrets.authToken);
  const logger = createLogger(config.logLevel);
  const stopRequested = new Promise<string>((done) => {
    process.once('SIGINT', () => done('SIGINT'));
    process.once('SIGTERM', () => done('SIGTERM'));
    if (!flags.http) {
      process.stdin.once('end', () => done('end of stdin'));
      process.stdin.once('close', () => done('stdin closed'));
    }
  });
  const where = flags.http ? `rb serve --http on ${config.host}:${config.port}` : 'rb serve (stdio)';
  logger.info({ config: describeConfig(config) }, 'starting');
  const app = await composeApp(config, { logger, description: where });
  try {
    const factory = createServerFactory(app);
    if (flags.http) {
      const http = await startHttpServer(factory, {
        host: config.host,
        port: config.port,
        authToken: config.secrets.authToken,
        allowedOrigins: config.allowedOrigins,
        maxBodyBytes: config.maxBodyBytes,
        maxSessions: config.maxSessions,
        sessionIdleMs: config.sessionIdleSeconds * 1000,
        logger,
      });
      logger.info({ url: http.url }, 'serving MCP over Streamable HTTP');
      if (flags.json) process.stdout.write(`${JSON.stringify({ event: 'listening', url: http.url, port: http.port })}\n`);
      else process.stdout.write(connectionHelp(app, http.url));
      const reason = await stopRequested;
      logger.info({ reason }, 'stopping');
      await http.close();
    } else {
      const handle = serveStdio(factory, { onerror: (error) => logger.warn({ err: error }, 'stdio transport error') });
      logger.info('serving MCP on stdio');
      const reason = await stopRequested;
      logger.info({ reason }, 'stopping');
      await handle.close();
    }
  } finally {
    await closeWithin(app, logger, 10_000);
  }
}

/** Closes the app, but never hangs the exit: past the deadline the process ends anyway (children get SIGTERM at exit). */
async function closeWithin(app: App, logger: Logger, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((done) => {
    timer = setTimeout(() => {
      logger.warn({ ms }, 'closing took too long; exiting anyway');
      done();
    }, ms);
  });
  await Promise.race([app.close(), late]);
  clearTimeout(timer);
}
