import { PromptCompressor } from '@rb/compress';
import { redactUrl } from '@rb/errors';
import { z } from 'zod';
import { VERSION } from '../../version.js';
import { AppError } from '../../errors.js';
import { READ_ONLY, defineTool, type ToolSpec } from '../tool.js';

const CacheFiguresSchema = z.strictObject({
  hits: z.int(),
  misses: z.int(),
  hitRate: z.number().meta({ description: 'Percentage (0-100) of lookups that hit.' }),
  size: z.int().optional(),
  maxSize: z.int().optional(),
  evictions: z.int().optional(),
});

const TokenUsageSchema = z.strictObject({ input: z.int(), output: z.int(), reasoning: z.int(), cached: z.int() });

export function opsTools(): ToolSpec[] {
  return [
    defineTool({
      name: 'health',
      title: 'Server health',
      description: 'Whether the memory backend answers, which embedding model and LLM source the server uses, and its version.',
      input: z.strictObject({}),
      output: z.strictObject({
        ok: z.boolean(),
        version: z.string(),
        uptimeSeconds: z.number(),
        defaultWorkspace: z.string(),
        store: z.strictObject({
          ok: z.boolean(),
          backend: z.string(),
          model: z.string(),
          dimension: z.int(),
          error: z.string().optional(),
          latencyMs: z.number().optional(),
        }),
        embedder: z.strictObject({ model: z.string(), dtype: z.string(), dimension: z.int(), workers: z.int(), threads: z.int() }),
        llm: z.strictObject({
          source: z.enum(['endpoint', 'sampling', 'none']).meta({
            description: 'endpoint: the configured API; sampling: this client\'s own model; none: LLM tools are unavailable until one is configured.',
          }),
          baseUrl: z.string().optional(),
          model: z.string().optional(),
          api: z.string().optional(),
        }),
        telemetry: z.boolean().meta({ description: 'Whether spans are exported over OTLP.' }),
      }),
      hints: READ_ONLY,
      async run(_args, context) {
        const { app } = context;
        const health = await app.store.health();
        const { llm } = app.config;
        const source = context.llmSource();
        return {
          ok: health.ok,
          version: VERSION,
          uptimeSeconds: Math.round((Date.now() - app.startedAt.getTime()) / 1000),
          defaultWorkspace: app.config.workspace,
          store: {
            ok: health.ok,
            backend: app.backendDescription,
            model: health.model,
            dimension: health.dimension,
            ...(health.error === undefined ? {} : { error: health.error }),
            ...(health.latencyMs === undefined ? {} : { latencyMs: health.latencyMs }),
          },
          embedder: {
            model: app.embedder.model,
            dtype: app.embedder.dtype,
            dimension: app.embedder.dimension,
            workers: app.embedder.workers,
            threads: app.embedder.threads,
          },
          llm: source === 'endpoint' && llm ? { source, baseUrl: redactUrl(llm.baseUrl), model: llm.model, api: llm.api } : { source },
          telemetry: app.telemetryEnabled,
        };
      },
    }),

    defineTool({
      name: 'get_performance_metrics',
      title: 'Performance metrics',
      description:
        'What the server did since it started: calls, errors and latency percentiles of every tool, the embedding ' +
        'cache, and the tokens the configured LLM endpoint spent.',
      input: z.strictObject({}),
      output: z.strictObject({
        uptimeSeconds: z.number(),
        tools: z.array(
          z.strictObject({
            name: z.string(),
            calls: z.int(),
            errors: z.int(),
            cancelled: z.int(),
            p50Ms: z.number(),
            p95Ms: z.number(),
            maxMs: z.number(),
          }),
        ),
        caches: z.array(z.strictObject({ name: z.string(), enabled: z.boolean(), statistics: CacheFiguresSchema.optional() })),
        llm: z
          .strictObject({
            calls: z.int(),
            cacheHits: z.int(),
            failures: z.int(),
            usage: TokenUsageSchema,
            savedUsage: z.strictObject({ input: z.int(), output: z.int() }),
            inFlight: z.int(),
            queued: z.int(),
          })
          .optional()
          .meta({ description: 'The configured endpoint only (sampling uses the client\'s model, which reports nothing here).' }),
        process: z.strictObject({ rssBytes: z.int(), heapUsedBytes: z.int() }),
      }),
      hints: READ_ONLY,
      async run(_args, context) {
        const { app } = context;
        const memory = process.memoryUsage();
        const llm = app.model?.getStatistics();
        return {
          uptimeSeconds: Math.round((Date.now() - app.startedAt.getTime()) / 1000),
          tools: app.metrics.snapshot(),
          caches: app.caches.map((cache) => {
            const statistics = cache.statistics();
            return { name: cache.name, enabled: statistics !== undefined, ...(statistics === undefined ? {} : { statistics }) };
          }),
          ...(llm === undefined ? {} : { llm: { ...llm, usage: { ...llm.usage }, savedUsage: { ...llm.savedUsage } } }),
          process: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed },
        };
      },
    }),

    defineTool({
      name: 'manage_cache',
      title: 'Manage caches',
      description:
        'stats: hit rates and sizes of the caches (embeddings, query embeddings, retrieval candidates, memory records). ' +
        'clear: empties those that can be emptied (cleared says which); nothing stored is lost, later calls recompute what they need.',
      input: z.strictObject({
        action: z.enum(['stats', 'clear']),
        cache: z.enum(['embeddings', 'query-embeddings', 'retrievals', 'records', 'all']).optional().meta({ description: 'Defaults to "all".' }),
      }),
      output: z.strictObject({
        caches: z.array(
          z.strictObject({
            name: z.string(),
            enabled: z.boolean(),
            statistics: CacheFiguresSchema.optional(),
            cleared: z.boolean().optional(),
          }),
        ),
      }),
      hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
      async run(args, context) {
        const which = args.cache ?? 'all';
        const caches = context.app.caches.filter((cache) => which === 'all' || cache.name === which);
        if (caches.length === 0) {
          throw new AppError({ code: 'NOT_FOUND', field: 'cache', message: `cache: this server has no ${which} cache` });
        }
        const results = [];
        for (const cache of caches) {
          let cleared: boolean | undefined;
          if (args.action === 'clear') {
            cleared = cache.clear !== undefined;
            await cache.clear?.();
          }
          results.push({ cache, cleared });
        }
        return {
          caches: results.map(({ cache, cleared }) => {
            const statistics = cache.statistics();
            return {
              name: cache.name,
              enabled: statistics !== undefined,
              ...(statistics === undefined ? {} : { statistics }),
              ...(cleared === undefined ? {} : { cleared }),
            };
          }),
        };
      },
    }),

    defineTool({
      name: 'compress_prompt',
      title: 'Compress a prompt',
      description:
        'Fits a prompt to a token budget with the exact tokenizer: whitespace, code comments and duplicate lines go ' +
        'first (meaning kept); only if still over max_tokens is the middle cut. Code blocks, URLs and #include lines stay intact.',
      input: z.strictObject({
        text: z.string().max(2_000_000).meta({ description: 'The prompt.' }),
        max_tokens: z.int().min(1).max(10_000_000).optional().meta({ description: 'Hard budget: the result never has more tokens. Defaults to 12000.' }),
        compression_ratio: z
          .number()
          .gt(0)
          .max(1)
          .optional()
          .meta({ description: 'Target as a share of max_tokens for the meaning-keeping techniques. Defaults to 0.7.' }),
        model: z.string().min(1).max(200).optional().meta({ description: 'Model whose tokenizer counts (e.g. "gpt-4o"). Defaults to o200k_base.' }),
      }),
      output: z.strictObject({
        text: z.string(),
        originalTokens: z.int(),
        finalTokens: z.int(),
        reduction: z.number().meta({ description: '1 - finalTokens / originalTokens.' }),
        techniques: z.array(z.string()),
      }),
      hints: READ_ONLY,
      argumentOf: (field) => field.replace(/^maxTokens$/, 'max_tokens').replace(/^compressionRatio$/, 'compression_ratio'),
      async run(args) {
        const compressor = new PromptCompressor({
          ...(args.max_tokens === undefined ? {} : { maxTokens: args.max_tokens }),
          ...(args.compression_ratio === undefined ? {} : { compressionRatio: args.compression_ratio }),
          ...(args.model === undefined ? {} : { model: args.model }),
        });
        try {
          const { text, report } = compressor.compress(args.text);
          return { text, ...report, techniques: [...report.techniques] };
        } finally {
          compressor.dispose();
        }
      },
    }),
  ];
}
