import type { IncomingMessage } from 'node:http';
import { createGuard, isLoopback } from './http-guards.js';

const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe('isLoopback', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['::1', true],
    ['[::1]', true],
    ['localhost', true],
    ['0.0.0.0', false],
    ['192.168.1.10', false],
    ['::', false],
    ['127.example.com', false],
  ])('%s -> %s', (host, expected) => expect(isLoopback(host)).toBe(expected));
});

describe('createGuard', () => {
  const loopback = createGuard({ host: '127.0.0.1', allowedOrigins: ['app.example'], authToken: undefined });

  it('lets clients that are not browsers (no Origin) and loopback pages through', () => {
    expect(loopback(request({ host: '127.0.0.1:3917' }))).toBeUndefined();
    expect(loopback(request({ host: 'localhost:3917', origin: 'http://localhost:5173' }))).toBeUndefined();
    expect(loopback(request({ host: 'localhost:3917', origin: 'https://app.example' }))).toBeUndefined();
  });

  it('refuses pages of other origins and DNS-rebound hosts', () => {
    expect(loopback(request({ host: '127.0.0.1:3917', origin: 'https://evil.example' }))?.status).toBe(403);
    expect(loopback(request({ host: 'evil.example:3917' }))?.status).toBe(403);
    expect(loopback(request({ host: '127.0.0.1:3917', origin: 'null' }))?.status).toBe(403);
  });

  it('requires the exact bearer token when one is configured', () => {
    const guarded = createGuard({ host: '0.0.0.0', allowedOrigins: [], authToken: 'correct-token' });
    expect(guarded(request({ host: 'server.lan' }))?.status).toBe(401);
    expect(guarded(request({ host: 'server.lan', authorization: 'Bearer wrong' }))?.status).toBe(401);
    expect(guarded(request({ host: 'server.lan', authorization: 'Bearer correct-token-and-more' }))?.status).toBe(401);
    expect(guarded(request({ host: 'server.lan', authorization: 'Basic correct-token' }))?.status).toBe(401);
    expect(guarded(request({ host: 'server.lan', authorization: 'Bearer correct-token' }))).toBeUndefined();
    expect(JSON.stringify(guarded(request({ host: 'server.lan', authorization: 'Bearer wrong' })))).not.toContain('correct-token');
  });
});
