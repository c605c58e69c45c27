import type { App } from '../app.js';
import { composeApp } from '../compose/compose-app.js';
import { resolveAppConfig, type AppConfig, type AppOptions } from '../config/app-options.js';
import { createLogger } from '../logger.js';
import { CliExit, type GlobalFlags } from './output.js';

/** The settings of a command: its flags over the environment. */
export function configOf(flags: GlobalFlags, extra: AppOptions = {}): AppConfig {
  return resolveAppConfig({
    ...(flags.workspace === undefined ? {} : { workspace: flags.workspace }),
    ...(flags.dataDir === undefined ? {} : { dataDir: flags.dataDir }),
    ...(flags.chromaUrl === undefined ? {} : { chromaUrl: flags.chromaUrl }),
    ...(flags.modelDir === undefined ? {} : { modelDir: flags.modelDir }),
    // One-shot commands log only warnings unless asked: their output is the result.
    logLevel: flags.logLevel ?? process.env['RB_LOG_LEVEL'] ?? 'warn',
    ...extra,
  });
}

/**
 * Composes the app for one command, runs `fn`, and always closes it (no Chroma child left behind). Ctrl-C or SIGTERM
 * aborts `fn` through its signal (a restore or ingest stops without a half-written step) and exits with 130.
 */
export async function withApp<T>(
  flags: GlobalFlags,
  command: string,
  fn: (app: App, signal: AbortSignal) => Promise<T>,
  options: { withModel?: boolean; allEmbedderWorkers?: boolean } = {},
): Promise<T> {
  const config = configOf(flags);
  const logger = createLogger(config.logLevel);
  const interrupted = new AbortController();
  const stop = () => interrupted.abort(new Error('interrupted'));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const app = await composeApp(config, {
      logger,
      description: `rb ${command}`,
      withoutModel: !options.withModel,
      // `rb stats` while `npm start` runs: use that server's Chroma rather than refuse.
      shareRunningServer: true,
      // Most commands embed a query or a few records: one model copy starts faster than one per core.
      ...(options.allEmbedderWorkers ? {} : { embedderWorkers: 1 }),
    });
    try {
      return await fn(app, interrupted.signal);
    } finally {
      await app.close();
    }
  } catch (error) {
    if (interrupted.signal.aborted) throw new CliExit(130, `rb ${command}: interrupted; nothing half-written was kept`);
    throw error;
  } finally {
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
  }
}
