// The one place that knows which parts make the app: the memory backend, the embedding model, the LLM client and
// telemetry. Everything else receives an `App` and works with the `MemoryStore` contract.
import { join } from 'node:path';
import { ChatCompletionsClient, ResponsesAPIClient } from '@rb/agent';
import { createEmbedder } from '@rb/embed-batch';
import { redactUrl } from '@rb/errors';
import { ChromaMemoryStore, startChroma } from '@rb/storage-chroma';
import { startTelemetry } from '@rb/telemetry/sdk';
import type { App, AppCache, ConfiguredModel } from '../app.js';
import type { AppConfig } from '../config/app-options.js';
import type { Logger } from '../logger.js';
import { ToolMetrics } from '../tool-metrics.js';
import { lockDataDir, runningOwner } from './data-dir-lock.js';
import { createFileInvalidation } from './file-invalidation.js';

/** What `composeApp` needs besides the configuration. */
export interface ComposeOptions {
  logger: Logger;
  /** Names the process in the data folder's lock, e.g. `rb serve --http on 127.0.0.1:3917`. */
  description: string;
  /** Skip loading the LLM client even when configured (CLI commands that never call it). Defaults to `false`. */
  withoutModel?: boolean;
  /**
   * Embedding worker processes. Defaults to `@rb/embed-batch`'s plan for this machine (one per core, up to 4); a
   * one-shot command that embeds a query or two starts faster with `1`.
   */
  embedderWorkers?: number;
  /**
   * When another live server owns the data folder, use its Chroma server instead of failing with `DATA_DIR_LOCKED`
   * (for short commands: they end with an error should that server stop meanwhile). Defaults to `false`.
   */
  shareRunningServer?: boolean;
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

    // Embedded by default: a Chroma server child of this process on the data folder, which one process owns at a time.
    // With CHROMA_URL, a Chroma server someone else runs (it serialises its clients itself).
    let chromaUrl = config.chromaUrl;
    let backendDescription = `chroma at ${chromaUrl === undefined ? '' : redactUrl(chromaUrl)}`;
    const owner = chromaUrl === undefined && options.shareRunningServer ? runningOwner(config.dataDir) : undefined;
    if (owner?.chromaUrl) {
      chromaUrl = owner.chromaUrl;
      backendDescription = `chroma of process ${owner.pid} (${owner.description}) on ${join(config.dataDir, 'chroma')}`;
      logger.info({ pid: owner.pid, url: owner.chromaUrl }, "using the Chroma server of the process that owns the data folder");
    }
    // The lock comes first: a second server on the folder fails at once, before loading anything.
    const lock = chromaUrl === undefined ? lockDataDir(config.dataDir, options.description) : undefined;
    if (lock) stack.push({ name: 'data folder lock', stop: () => lock.release() });

    // The model and the Chroma server start side by side (each takes a second or two); a failure of either stops both.
    const path = join(config.dataDir, 'chroma');
    const [loaded, started] = await Promise.allSettled([
      createEmbedder({ modelDir: config.modelDir, ...(options.embedderWorkers === undefined ? {} : { workers: options.embedderWorkers }) }),
      lock
        ? startChroma({
            path,
            // A killed or crashed server is started again on its port; the store's calls fail (retryably) meanwhile.
            onEvent: (event) =>
              event.type === 'restarted'
                ? logger.warn(event, 'embedded Chroma restarted')
                : logger.error(event, event.type === 'gave-up' ? 'embedded Chroma is down and will not be restarted' : 'embedded Chroma exited'),
          })
        : Promise.resolve(undefined),
    ]);
    if (loaded.status === 'fulfilled') stack.push({ name: 'embedder', stop: () => loaded.value.dispose() });
    if (started.status === 'fulfilled' && started.value) {
      const chroma = started.value;
      stack.push({ name: 'chroma', stop: () => chroma.stop() });
    }
    if (loaded.status === 'rejected') throw loaded.reason;
    if (started.status === 'rejected') throw started.reason;
    const embedder = loaded.value;
    logger.info({ model: embedder.model, dtype: embedder.dtype, workers: embedder.workers }, 'embedding model loaded');
    if (lock && started.value) {
      lock.publish(started.value.url);
      chromaUrl = started.value.url;
      backendDescription = `chroma (embedded, ${path})`;
      logger.info({ path, url: started.value.url, pid: started.value.pid }, 'embedded Chroma started');
    }
    // The server and the one-shot commands on a data folder share its Chroma; this file tells each of the others' writes,
    // so no cache serves what another process's acknowledged write changed.
    const invalidation =
      lock || owner?.chromaUrl
        ? createFileInvalidation(join(config.dataDir, 'invalidations.jsonl'), (error) =>
            logger.warn({ err: error }, 'could not announce a write to the other processes on the data folder; their caches catch up when they expire'),
          )
        : undefined;
    if (invalidation) stack.push({ name: 'invalidation', stop: () => invalidation.close() });
    const store = await ChromaMemoryStore.open({ url: chromaUrl, embedder, ...(invalidation ? { invalidation } : {}) });
    stack.push({ name: 'memory store', stop: () => store.close() });

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
        clear: () => embedder.clearCache(),
      },
      ...(['retrievals', 'records', 'queryEmbeddings'] as const).map((name) => ({
        name: name === 'queryEmbeddings' ? 'query-embeddings' : name,
        statistics: () => {
          const figures = store.getCacheStatistics()[name];
          return figures && { hits: figures.hits, misses: figures.misses, hitRate: figures.hitRate, size: figures.size, maxSize: figures.maxSize };
        },
        // Never needed for correct results (the store's writes, and the invalidation file, keep them valid).
        clear: () => store.clearCaches([name]),
      })),
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
  const telemetry = startTelemetry({ serviceName: process.env['OTEL_SERVICE_NAME'] || 'reasoning-bank' });
  stack.push({ name: 'telemetry', stop: () => telemetry.shutdown() });
  logger.info({ endpoint: redactUrl(config.otlpEndpoint) }, 'exporting traces over OTLP');
  return true;
}
