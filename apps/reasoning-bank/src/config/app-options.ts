import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describeValue, redactUrl } from '@rb/errors';
import { WorkspaceIdSchema } from '@rb/memory';
import { invalidConfig } from '../errors.js';

/**
 * Settings of the server and the CLI. Each can be given as an option (CLI flags) or as the environment variable
 * named in its doc; an option wins over the variable, and the default applies when neither is set.
 */
export interface AppOptions {
  /**
   * Folder of the embedded Chroma database, the backups made by the `backup_memories` tool and the lock file.
   * `RB_DATA_DIR`. Defaults to `~/.reasoning-bank` (`./.rb-data` when there is no home folder).
   */
  dataDir?: string;
  /** A running Chroma server to use instead of the embedded one, e.g. `http://chroma:8000`. `CHROMA_URL`. No default. */
  chromaUrl?: string;
  /**
   * Folder holding the embedding model (`npm run fetch-model` / `npx rb-fetch-model` put it there). `RB_MODEL_DIR`.
   * Defaults to the nearest `.models` folder above the app, else `./.models`.
   */
  modelDir?: string;
  /** Workspace used when a tool call or command names none. `RB_WORKSPACE`. Defaults to `"default"`. */
  workspace?: string;
  /**
   * Base URL of an OpenAI-compatible API (`https://api.openai.com/v1`, OpenRouter, a local server).
   * `RB_LLM_BASE_URL`, else `OPENAI_BASE_URL`. Defaults to OpenAI's when an API key is set, else none (then the
   * LLM tools use the client's model through MCP sampling when it offers it).
   */
  llmBaseUrl?: string;
  /** Model asked for. `RB_LLM_MODEL`. Defaults to `"gpt-4o-mini"`. */
  llmModel?: string;
  /**
   * Which API to call: `"responses"` (`POST /responses`) or `"chat"` (`POST /chat/completions`). `RB_LLM_API`.
   * Defaults to `"responses"` for api.openai.com and `"chat"` elsewhere (what most compatible servers speak).
   */
  llmApi?: 'responses' | 'chat';
  /** Address the HTTP transport binds. `RB_HOST`. Defaults to `"127.0.0.1"`. A non-loopback address needs `RB_AUTH_TOKEN`. */
  host?: string;
  /** Port of the HTTP transport; `0` picks a free one. `RB_PORT`. Defaults to `3917`. */
  port?: number;
  /**
   * Extra `Origin` host names allowed to call the HTTP transport from a browser (comma-separated in
   * `RB_ALLOWED_ORIGINS`). Loopback names (`localhost`, `127.0.0.1`, `[::1]`) are always allowed. Defaults to none.
   */
  allowedOrigins?: string[];
  /** Largest HTTP request body, in bytes. `RB_MAX_BODY_BYTES`. Defaults to `4194304` (4 MiB). */
  maxBodyBytes?: number;
  /** Most concurrent MCP sessions over HTTP; the idlest is closed beyond it. `RB_MAX_SESSIONS`. Defaults to `100`. */
  maxSessions?: number;
  /** An HTTP session idle this long is closed, in seconds. `RB_SESSION_IDLE_SECONDS`. Defaults to `1800`. */
  sessionIdleSeconds?: number;
  /** pino level of the logs on stderr (`fatal` ... `trace`, `silent`). `RB_LOG_LEVEL`. Defaults to `"info"`. */
  logLevel?: string;
}

/** Settings read from the environment only: secrets are never options, flags or tool arguments. */
export interface AppSecrets {
  /** `RB_LLM_API_KEY`, else `OPENAI_API_KEY`. */
  llmApiKey: string | undefined;
  /** `RB_AUTH_TOKEN`: the bearer token HTTP clients must present. */
  authToken: string | undefined;
}

export interface LlmConfig {
  baseUrl: string;
  model: string;
  api: 'responses' | 'chat';
}

/** Every setting resolved. */
export interface AppConfig {
  dataDir: string;
  chromaUrl: string | undefined;
  modelDir: string;
  workspace: string;
  /** Undefined when no endpoint is configured. */
  llm: LlmConfig | undefined;
  host: string;
  port: number;
  allowedOrigins: string[];
  maxBodyBytes: number;
  maxSessions: number;
  sessionIdleSeconds: number;
  logLevel: string;
  /** The OTLP endpoint spans go to; telemetry is off when undefined. */
  otlpEndpoint: string | undefined;
  secrets: AppSecrets;
}

export const DEFAULT_PORT = 3917;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const OPTION_ENV: Record<keyof AppOptions, string> = {
  dataDir: 'RB_DATA_DIR',
  chromaUrl: 'CHROMA_URL',
  modelDir: 'RB_MODEL_DIR',
  workspace: 'RB_WORKSPACE',
  llmBaseUrl: 'RB_LLM_BASE_URL',
  llmModel: 'RB_LLM_MODEL',
  llmApi: 'RB_LLM_API',
  host: 'RB_HOST',
  port: 'RB_PORT',
  allowedOrigins: 'RB_ALLOWED_ORIGINS',
  maxBodyBytes: 'RB_MAX_BODY_BYTES',
  maxSessions: 'RB_MAX_SESSIONS',
  sessionIdleSeconds: 'RB_SESSION_IDLE_SECONDS',
  logLevel: 'RB_LOG_LEVEL',
};

/**
 * Resolves the settings from `options` (what CLI flags set), then `env`, then the defaults. A bad value fails with
 * `INVALID_CONFIG` naming the option and the variable, so one message says what to fix.
 */
export function resolveAppConfig(options: AppOptions = {}, env: NodeJS.ProcessEnv = process.env): AppConfig {
  const known = Object.keys(OPTION_ENV);
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw invalidConfig(key, `unknown option ${describeValue(key)}; valid options are ${known.join(', ')}`);
  }
  const read = (key: keyof AppOptions): { value: unknown; field: string } => {
    const value = options[key];
    if (value !== undefined) return { value, field: key };
    const name = OPTION_ENV[key];
    const fromEnv = env[name];
    return { value: fromEnv === '' ? undefined : fromEnv, field: name };
  };

  const llmApiKey = nonEmpty(env['RB_LLM_API_KEY']) ?? nonEmpty(env['OPENAI_API_KEY']);
  const baseUrlSetting = read('llmBaseUrl');
  const baseUrlValue = baseUrlSetting.value ?? nonEmpty(env['OPENAI_BASE_URL']);
  const baseUrl = baseUrlValue === undefined ? (llmApiKey ? 'https://api.openai.com/v1' : undefined) : httpUrl(baseUrlSetting.field, baseUrlValue);
  const apiSetting = read('llmApi');
  const llm: LlmConfig | undefined =
    baseUrl === undefined
      ? undefined
      : {
          baseUrl,
          model: str(read('llmModel'), 'gpt-4o-mini', 500),
          api: oneOf(apiSetting, ['responses', 'chat'] as const, new URL(baseUrl).hostname === 'api.openai.com' ? 'responses' : 'chat'),
        };

  const workspace = read('workspace');
  const workspaceId = str(workspace, 'default', 200);
  if (!WorkspaceIdSchema.safeParse(workspaceId).success) {
    throw invalidConfig(workspace.field, `${workspace.field} must be 1-200 characters without control characters, got ${describeValue(workspaceId)}`);
  }
  const chroma = read('chromaUrl');
  const origins = read('allowedOrigins');
  const originList = Array.isArray(origins.value)
    ? origins.value.map(String)
    : typeof origins.value === 'string'
      ? origins.value.split(',').map((s) => s.trim()).filter(Boolean)
      : [];

  const otlp = nonEmpty(env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']) ?? nonEmpty(env['OTEL_EXPORTER_OTLP_ENDPOINT']);
  return {
    dataDir: resolve(str(read('dataDir'), defaultDataDir(), 4096)),
    chromaUrl: chroma.value === undefined ? undefined : httpUrl(chroma.field, chroma.value),
    modelDir: resolve(str(read('modelDir'), defaultModelDir(), 4096)),
    workspace: workspaceId,
    llm,
    host: str(read('host'), '127.0.0.1', 255),
    port: int(read('port'), DEFAULT_PORT, 0, 65_535),
    allowedOrigins: originList,
    maxBodyBytes: int(read('maxBodyBytes'), 4 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    maxSessions: int(read('maxSessions'), 100, 1, 100_000),
    sessionIdleSeconds: int(read('sessionIdleSeconds'), 1800, 1, 7 * 24 * 3600),
    logLevel: oneOf(read('logLevel'), LOG_LEVELS, 'info'),
    otlpEndpoint: otlp,
    secrets: { llmApiKey, authToken: nonEmpty(env['RB_AUTH_TOKEN']) },
  };
}

/** `~/.reasoning-bank`, or `./.rb-data` where the user has no home folder (some containers). */
export function defaultDataDir(): string {
  let home = '';
  try {
    home = homedir();
  } catch {
    // no home folder for this user id
  }
  return home ? join(home, '.reasoning-bank') : resolve('.rb-data');
}

/** The nearest `.models` above this file (the repo's, wherever the server is started from), else `./.models`. */
export function defaultModelDir(): string {
  const here = typeof __dirname === 'string' ? __dirname : dirname(process.argv[1] ?? process.cwd());
  for (let dir = here; dirname(dir) !== dir; dir = dirname(dir)) {
    if (existsSync(join(dir, '.models'))) return join(dir, '.models');
  }
  return resolve('.models');
}

/** A configuration for display: URLs redacted, secrets reduced to whether they are set. */
export function describeConfig(config: AppConfig): Record<string, unknown> {
  return {
    dataDir: config.dataDir,
    chroma: config.chromaUrl ? redactUrl(config.chromaUrl) : 'embedded',
    modelDir: config.modelDir,
    workspace: config.workspace,
    llm: config.llm ? { ...config.llm, baseUrl: redactUrl(config.llm.baseUrl) } : 'not configured (MCP sampling when the client offers it)',
    llmApiKeySet: config.secrets.llmApiKey !== undefined,
    bearerTokenRequired: config.secrets.authToken !== undefined,
    telemetry: config.otlpEndpoint ? redactUrl(config.otlpEndpoint) : 'off',
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function str(setting: { value: unknown; field: string }, fallback: string, maxLength: number): string {
  if (setting.value === undefined) return fallback;
  if (typeof setting.value !== 'string' || setting.value.trim() === '' || setting.value.length > maxLength) {
    throw invalidConfig(setting.field, `${setting.field} must be a non-empty string of at most ${maxLength} characters, got ${describeValue(setting.value)}`);
  }
  return setting.value;
}

function int(setting: { value: unknown; field: string }, fallback: number, min: number, max: number): number {
  if (setting.value === undefined) return fallback;
  const n = typeof setting.value === 'string' && /^\s*\d+\s*$/.test(setting.value) ? Number(setting.value) : setting.value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min || n > max) {
    throw invalidConfig(setting.field, `${setting.field} must be an integer ${min}-${max}, got ${describeValue(setting.value)}`);
  }
  return n;
}

function oneOf<T extends string>(setting: { value: unknown; field: string }, values: readonly T[], fallback: T): T {
  if (setting.value === undefined) return fallback;
  if (!values.includes(setting.value as T)) {
    throw invalidConfig(setting.field, `${setting.field} must be one of ${values.join(', ')}, got ${describeValue(setting.value)}`);
  }
  return setting.value as T;
}

function httpUrl(field: string, value: unknown): string {
  if (typeof value !== 'string' || !URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
    // The value may carry credentials: show it redacted.
    const shown = typeof value === 'string' ? redactUrl(value) : describeValue(value);
    throw invalidConfig(field, `${field} must be an http(s) URL, got ${shown}`);
  }
  return value.replace(/\/+$/, '');
}
