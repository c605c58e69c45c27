import { APIConnectionPool } from './api-connection-pool.js';
import type { APIConnectionPoolOptions } from './api-connection-pool-options.js';
import { HttpPoolError } from './errors.js';

function refusal(options: unknown): HttpPoolError {
  try {
    new APIConnectionPool(options as APIConnectionPoolOptions);
  } catch (error) {
    if (HttpPoolError.isInstance(error)) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(options)} to be refused`);
}

describe('APIConnectionPool options', () => {
  it.each([
    ['timeout', 'timeoutMs'],
    ['connectTimeout', 'connectTimeoutMs'],
    ['headersTimeout', 'headersTimeoutMs'],
    ['bodyTimeout', 'bodyTimeoutMs'],
    ['keepAliveTimeout', 'keepAliveTimeoutMs'],
  ])('refuses the unitless %s, naming %s and the seed conversion', (old, name) => {
    const error = refusal({ [old]: 30 });
    expect(error).toMatchObject({ code: 'INVALID_OPTIONS', field: old });
    expect(error.message).toContain(`unknown option "${old}"`);
    expect(error.message).toContain(`use ${name}`);
    expect(error.message).toContain("the seed's timeout=120 (seconds) is timeoutMs: 120000");
  });

  it('refuses unknown and snake_case options with the list or the right name', () => {
    expect(refusal({ timout: 1 }).message).toMatch(/unknown option "timout"; valid options are poolSize, maxRetries, timeoutMs, .*layers/);
    expect(refusal({ pool_size: 4 })).toMatchObject({ field: 'pool_size', message: expect.stringContaining('use poolSize') });
    expect(refusal({ max_retries: 1 }).message).toContain('use maxRetries');
    expect(refusal({ retry: { base_delay: 1 } })).toMatchObject({ field: 'retry.base_delay' });
    expect(refusal({ tls: { insecure: true } })).toMatchObject({ field: 'tls.insecure' });
  });

  it.each([['timeoutMs'], ['connectTimeoutMs'], ['headersTimeoutMs'], ['bodyTimeoutMs'], ['keepAliveTimeoutMs']])(
    'refuses %s under one second as surely meant in seconds',
    (name) => {
      const error = refusal({ [name]: 120 });
      expect(error).toMatchObject({ code: 'INVALID_OPTIONS', field: name });
      expect(error.message).toContain('120 ms is surely 120 seconds: 120000');
    },
  );

  it.each([
    [{ timeoutMs: 0 }, 'timeoutMs'],
    [{ timeoutMs: -5 }, 'timeoutMs'],
    [{ timeoutMs: Number.NaN }, 'timeoutMs'],
    [{ timeoutMs: '120000' }, 'timeoutMs'],
    [{ timeoutMs: 120_000_000 }, 'timeoutMs'],
    [{ keepAliveTimeoutMs: 3_600_000 }, 'keepAliveTimeoutMs'],
    [{ poolSize: 0 }, 'poolSize'],
    [{ poolSize: 2.5 }, 'poolSize'],
    [{ maxRetries: -1 }, 'maxRetries'],
    [{ maxErrorBodyBytes: -1 }, 'maxErrorBodyBytes'],
    [{ retry: { baseDelayMs: -5 } }, 'retry.baseDelayMs'],
    [{ retry: 5 }, 'retry'],
    [{ sleep: 5 }, 'sleep'],
    [{ headers: { 'bad name': 'x' } }, 'headers.bad name'],
    [{ headers: { 'x-trace': 'a\r\nx-injected: 1' } }, 'headers.x-trace'],
    [{ headers: { 'x-count': 3 } }, 'headers.x-count'],
    [{ layers: [() => undefined] }, 'layers'],
    [{ layers: { request: 'limit' } }, 'layers.request'],
    [{ layers: { attempt: [5] } }, 'layers.attempt[0]'],
    [{ layers: { outer: [] } }, 'layers.outer'],
    [null, 'options'],
  ])('refuses %o naming %s', (options, field) => {
    expect(refusal(options)).toMatchObject({ code: 'INVALID_OPTIONS', field });
  });

  it('accepts the documented bounds', async () => {
    const pools = [
      new APIConnectionPool({ timeoutMs: 1000, connectTimeoutMs: 1000, headersTimeoutMs: 86_400_000, keepAliveTimeoutMs: 600_000 }),
      new APIConnectionPool({ maxRetries: 0, maxErrorBodyBytes: 0, retry: { baseDelayMs: 0 }, headers: { Authorization: 'Bearer x' } }),
      new APIConnectionPool(),
    ];
    await Promise.all(pools.map((p) => p.close()));
  });
});
