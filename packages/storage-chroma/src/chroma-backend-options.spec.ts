import { MemoryError } from '@rb/memory';
import { resolveBackendOptions, type ChromaBackendOptions } from './chroma-backend-options.js';

function refusal(options: unknown): MemoryError {
  try {
    resolveBackendOptions(options as ChromaBackendOptions);
  } catch (error) {
    if (MemoryError.isInstance(error) && error.code === 'INVALID_OPTIONS') return error;
    throw error;
  }
  throw new Error('expected INVALID_OPTIONS');
}

describe('resolveBackendOptions', () => {
  const env = process.env['CHROMA_URL'];
  afterEach(() => {
    if (env === undefined) delete process.env['CHROMA_URL'];
    else process.env['CHROMA_URL'] = env;
  });

  it('documents its defaults', () => {
    delete process.env['CHROMA_URL'];
    const resolved = resolveBackendOptions({});
    expect(resolved.connection).toMatchObject({ displayUrl: 'http://127.0.0.1:8000', requestTimeoutMs: 10_000, tenant: 'default_tenant', database: 'default_database' });
    expect(resolved).toMatchObject({ collectionPrefix: 'reasoningbank', cache: { enabled: true, size: 1000, recordSize: 10_000, ttlMs: 300_000 }, staleWriteMs: 600_000 });
  });

  it('takes CHROMA_URL when no url is given, and names it when it is bad', () => {
    process.env['CHROMA_URL'] = 'https://chroma.example.com:8443/base/';
    expect(resolveBackendOptions({}).connection.baseUrl.href).toBe('https://chroma.example.com:8443/base/');
    process.env['CHROMA_URL'] = 'not a url';
    expect(refusal({}).field).toBe('CHROMA_URL');
  });

  it('sends URL credentials as Basic auth and never shows them', () => {
    const resolved = resolveBackendOptions({ url: 'http://alice:s3cr%40t@127.0.0.1:8000' });
    expect(resolved.connection.headers['authorization']).toBe(`Basic ${Buffer.from('alice:s3cr@t').toString('base64')}`);
    expect(resolved.connection.baseUrl.href).toBe('http://127.0.0.1:8000/');
    expect(resolved.connection.displayUrl).not.toMatch(/alice|s3cr/);
    for (const url of ['ftp://alice:s3cr3t@host', 'http://alice:s3cr3t@host:99999', 'http://alice:s3cr3t@host/?x=1', 'http://alice:%zz@host']) {
      const error = refusal({ url });
      expect(error.field).toBe('url');
      expect(JSON.stringify(error)).not.toMatch(/s3cr|alice/);
    }
  });

  it('validates headers without ever echoing a value', () => {
    expect(resolveBackendOptions({ headers: { 'X-Chroma-Token': 'tok' } }).connection.headers).toMatchObject({ 'x-chroma-token': 'tok' });
    const cases: [unknown, string][] = [
      [{ headers: 'x' }, 'headers'],
      [{ headers: { 'bad name': 'secret-1' } }, 'headers'],
      [{ headers: { 'x-token': 'secret-1\r\nx-evil: 1' } }, 'headers.x-token'],
      [{ headers: { 'x-token': 42 } }, 'headers.x-token'],
      [{ headers: { 'Content-Length': '5' } }, 'headers.Content-Length'],
      [{ headers: { 'X-A': 'secret-1', 'x-a': 'secret-1' } }, 'headers.x-a'],
      [{ url: 'http://u:secret-1@h', headers: { authorization: 'Bearer secret-1' } }, 'headers.authorization'],
    ];
    for (const [options, field] of cases) {
      const error = refusal(options);
      expect(error.field).toBe(field);
      expect(error.message).not.toContain('secret-1');
    }
  });

  it('refuses unknown and badly typed options, naming the field', () => {
    expect(refusal({ cache_size: 10 }).field).toBe('cache_size');
    expect(refusal({ requestTimeoutMs: 0 }).field).toBe('requestTimeoutMs');
    expect(refusal({ collectionPrefix: 'has space' }).field).toBe('collectionPrefix');
    expect(refusal({ collectionPrefix: '-x' }).field).toBe('collectionPrefix');
    expect(refusal({ tenant: 'a/b' }).field).toBe('tenant');
    expect(refusal({ enableMemoryCache: 'yes' }).field).toBe('enableMemoryCache');
    expect(refusal({ cacheTtlSeconds: -1 }).field).toBe('cacheTtlSeconds');
  });
});
