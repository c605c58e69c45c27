import type { LanguageModel, LanguageModelStatistics } from '@rb/agent';
import type { Embedder } from '@rb/embed-batch';
import type { MemoryStore } from '@rb/memory';
import type { AppConfig } from './config/app-options.js';
import type { Logger } from './logger.js';
import type { ToolMetrics } from './tool-metrics.js';

/** The embedding model as the app reports it. */
export type AppEmbedder = Pick<Embedder, 'model' | 'dtype' | 'dimension' | 'workers' | 'threads' | 'getCacheStatistics'>;

/** What `manage_cache` reports of a cache. */
export interface CacheFigures {
  hits: number;
  misses: number;
  /** Percentage (0-100) of lookups that hit. */
  hitRate: number;
  /** Live entries, where the cache reports them. */
  size?: number;
  maxSize?: number;
  evictions?: number;
}

/** A cache `manage_cache` can report on and clear. */
export interface AppCache {
  /** `embeddings` or `llm-responses`. */
  readonly name: string;
  /** Undefined when the cache is turned off. */
  statistics(): CacheFigures | undefined;
  /** Drops every entry; undefined when the part offers no way to. */
  clear?: () => void | Promise<void>;
}

/** The configured OpenAI-compatible model, with what it spent. */
export interface ConfiguredModel extends LanguageModel {
  getStatistics(): LanguageModelStatistics;
}

/**
 * Everything the server and the CLI use, composed from configuration by `composeApp`. Nothing outside the composition
 * knows which memory backend is behind `store`.
 */
export interface App {
  readonly config: AppConfig;
  readonly logger: Logger;
  readonly store: MemoryStore;
  /** How the store keeps its data, for `health` and `doctor` (e.g. `chroma (embedded, /data/chroma)`). */
  readonly backendDescription: string;
  readonly embedder: AppEmbedder;
  /** The configured endpoint's model; undefined when none is configured (MCP sampling may stand in per call). */
  readonly model: ConfiguredModel | undefined;
  /** The caches of the composed parts. */
  readonly caches: readonly AppCache[];
  /** Calls, errors and durations of every tool, fed by the tool wrapper. */
  readonly metrics: ToolMetrics;
  /** Whether spans and metrics are exported (an OTLP endpoint is configured). */
  readonly telemetryEnabled: boolean;
  readonly startedAt: Date;
  /** Stops everything in reverse order of start: the store, Chroma, the model client, the embedder, telemetry. */
  close(): Promise<void>;
}
