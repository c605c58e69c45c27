import { AppError } from '../errors.js';
import { describeConfig, resolveAppConfig } from './app-options.js';

const fail = (fn: () => unknown): AppError => {
  try {
    fn();
  } catch (error) {
    if (AppError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected an AppError');
};

describe('resolveAppConfig', () => {
  it('applies the documented defaults', () => {
    const config = resolveAppConfig({}, {});
    expect(config).toEqual(
      expect.objectContaining({ workspace: 'default', host: '127.0.0.1', port: 3917, chromaUrl: undefined, llm: undefined, otlpEndpoint: undefined }),
    );
    expect(config.maxBodyBytes).toBe(4 * 1024 * 1024);
    expect(config.dataDir).toMatch(/\.reasoning-bank$|\.rb-data$/);
  });

  it('reads the environment, and an option wins over its variable', () => {
    const env = { RB_WORKSPACE: 'from-env', RB_PORT: '4000', RB_ALLOWED_ORIGINS: 'app.example, tools.example', CHROMA_URL: 'http://chroma:8000/' };
    const config = resolveAppConfig({ port: 5000 }, env);
    expect(config).toEqual(expect.objectContaining({ workspace: 'from-env', port: 5000, chromaUrl: 'http://chroma:8000', allowedOrigins: ['app.example', 'tools.example'] }));
  });

  it('configures the LLM from a key alone (OpenAI, Responses API) or from a base URL (Chat Completions)', () => {
    expect(resolveAppConfig({}, { OPENAI_API_KEY: 'sk-x' }).llm).toEqual({ baseUrl: 'https://api.openai.com/v1', model: 'gpt-4o-mini', api: 'responses' });
    expect(resolveAppConfig({}, { RB_LLM_BASE_URL: 'http://127.0.0.1:8080/v1', RB_LLM_MODEL: 'qwen' }).llm).toEqual({
      baseUrl: 'http://127.0.0.1:8080/v1',
      model: 'qwen',
      api: 'chat',
    });
  });

  it('names the variable at fault, and never shows a secret of a URL', () => {
    expect(fail(() => resolveAppConfig({}, { RB_PORT: '70000' })).field).toBe('RB_PORT');
    expect(fail(() => resolveAppConfig({}, { RB_LLM_API: 'completions', RB_LLM_BASE_URL: 'http://x/v1' })).field).toBe('RB_LLM_API');
    expect(fail(() => resolveAppConfig({}, { RB_WORKSPACE: 'a\u0001b' })).field).toBe('RB_WORKSPACE');
    expect(fail(() => resolveAppConfig({ port: -1 }, {})).field).toBe('port');
    expect(fail(() => resolveAppConfig({ prot: 1 } as never, {})).message).toContain('valid options are');
    const error = fail(() => resolveAppConfig({}, { CHROMA_URL: 'ftp://user:hunter2@host/' }));
    expect(error.field).toBe('CHROMA_URL');
    expect(error.message).not.toContain('hunter2');
  });

  it('describes itself without secrets', () => {
    const config = resolveAppConfig({}, { OPENAI_API_KEY: 'sk-secret-value', RB_AUTH_TOKEN: 'token-value', CHROMA_URL: 'http://u:pw@chroma:8000' });
    const shown = JSON.stringify(describeConfig(config));
    expect(shown).not.toMatch(/sk-secret-value|token-value|:pw@/);
    expect(describeConfig(config)).toEqual(expect.objectContaining({ llmApiKeySet: true, bearerTokenRequired: true }));
  });
});
