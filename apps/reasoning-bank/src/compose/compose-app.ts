// The one place that knows which parts make the app: the memory backend, the embedding model, the LLM client and
// telemetry. Everything else receives an `App` and works with the `MemoryStore` contract.
import { join } from 'node:path';
import { ChatCompletionsClient, ResponsesAPIClient } from '@rb/agent';
import { createEmbedder } from '@rb/embed-batch';
import { InMemoryMemoryStore } from '@rb/memory';
import { redactUrl } from '@rb/errors';
import type { App, AppCache, ConfiguredModel } from '../app.js';
import type { AppConfig } from '../config/app-options.js';
import type { Logger } from '../logger.js';
import { ToolMetrics } from '../tool-metrics.js';
import { lockDataDir } from './data-dir-lock.js';

/** What `composeApp` needs besides the configuration. */
export interface ComposeOptions {
  logger: Logger;
  /** Names the process in the data folder's lock, e.g. `rb serve --http on 127.0.0.1:3917`. */
  description: string;
  /** Skip loading the LLM client even when configured (CLI commands that never call it). Defaults to `false`. */
  withoutModel?: boolean;
}

/**
 * Starts every part from `config` and returns them as one `App` whose `close()` stops them all. A part that fails to
 * start stops the ones already started before the error is thrown, so a failed start leaves no process behind.
 */
export async function composeApp(config: AppConfig, options: ComposeOptions): Promise<App> {
  const { logger } = options;
  const stack: { name: string; stop: () => unknown }[] = [];
  const stopAll = async () => {
    for (const { name, stop } of stack.splice(0).reverse()) {
      try {
        await stop();
      } catch (error) {
        logger.warn({ err: error, part: name }, 'stopping a part failed');
      }
    }
  };
  try {
    const telemetryEnabled = await startTelemetryIfConfigured(config, logger, stack);

    const embedder = await createEmbedder({ modelDir: config.modelDir });
    stack.push({ name: 'embedder', stop: () => embedder.dispose() });
    logger.info({ model: embedder.model, dtype: embedder.dtype, workers: embedder.workers }, 'embedding model loaded');

    const lock = lockDataDir(config.dataDir, options.description);
    stack.push({ name: 'data folder lock', stop: () => lock.release() });

    // The embedded default becomes Chroma once @rb/storage-chroma implements the MemoryStore contract; until then the
    // in-process store of @rb/memory (same contract, same retrieval, nothing persisted).
    const store = new InMemoryMemoryStore({ embedder });
    stack.push({ name: 'memory store', stop: () => store.close() });
    const backendDescription = `in-memory (not persisted; data folder ${join(config.dataDir)})`;

    let model: (ConfiguredModel & { close(): Promise<void> }) | undefined;
    if (config.llm && !options.withoutModel) {
      const clientOptions = {
        baseUrl: config.llm.baseUrl,
        model: config.llm.model,
        ...(config.secrets.llmApiKey === undefined ? {} : { apiKey: config.secrets.llmApiKey }),
        env: {}, // everything comes from the app's configuration, read once
      };
      model = config.llm.api === 'responses' ? new ResponsesAPIClient(clientOptions) : new ChatCompletionsClient(clientOptions);
      stack.push({ name: 'LLM client', stop: () => model!.close() });
      logger.info({ baseUrl: redactUrl(config.llm.baseUrl), model: config.llm.model, api: config.llm.api }, 'LLM endpoint configured');
    }

    const caches: AppCache[] = [
      {
        name: 'embeddings',
        statistics: () => {
          const s = embedder.getCacheStatistics();
          return s && { hits: s.hits, misses: s.misses, hitRate: s.hitRate, size: s.size, maxSize: s.maxSize, evictions: s.evictions };
        },
      },
    ];
    let closing: Promise<void> | undefined;
    return {
      config,
      logger,
      store,
      backendDescription,
      embedder,
      model,
      caches,
      metrics: new ToolMetrics(),
      telemetryEnabled,
      startedAt: new Date(),
      close: () => (closing ??= stopAll()),
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

async function startTelemetryIfConfigured(config: AppConfig, logger: Logger, stack: { name: string; stop: () => unknown }[]): Promise<boolean> {
  if (config.otlpEndpoint === undefined) return false;
  // Loaded only when used: the OpenTelemetry SDK is the heaviest import of the app.
  const { startTelemetry } = await import('@rb/telemetry/sdk');
  const telemetry = startTelemetry({ serviceName: process.env['OTEL_SERVICE_NAME'] || 'reasoning-bank' });
  stack.push({ name: 'telemetry', stop: () => telemetry.shutdown() });
  logger.info({ endpoint: redactUrl(config.otlpEndpoint) }, 'exporting traces over OTLP');
  return true;
}
