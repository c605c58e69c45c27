import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { localhostAllowedHostnames, localhostAllowedOrigins, validateHostHeader, validateOriginHeader } from '@modelcontextprotocol/server';

/** A refusal: the HTTP status and a JSON-RPC error body, sent before any MCP processing. */
export interface Refusal {
  status: number;
  message: string;
  headers?: Record<string, string>;
}

/** True for 127.0.0.0/8, ::1 and `localhost`: binds reachable from this machine only. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost' || bare === '::1') return true;
  return isIP(bare) === 4 && bare.startsWith('127.');
}

export interface GuardOptions {
  /** The bind address: on loopback the `Host` header must name loopback too (DNS-rebinding protection). */
  host: string;
  /** Extra `Origin` host names allowed besides loopback ones. */
  allowedOrigins: readonly string[];
  /** When set, every MCP request must carry `Authorization: Bearer <token>`. */
  authToken: string | undefined;
}

/**
 * The checks every MCP request passes before it reaches the protocol: `Host` (a page on another site cannot reach a
 * loopback server through DNS rebinding), `Origin` (a browser page of another site is refused; clients that are not
 * browsers send none), and the bearer token when one is configured (compared in constant time).
 */
export function createGuard(options: GuardOptions): (request: IncomingMessage) => Refusal | undefined {
  const loopback = isLoopback(options.host);
  const origins = [...localhostAllowedOrigins(), ...options.allowedOrigins];
  const expected = options.authToken === undefined ? undefined : digest(options.authToken);
  return (request) => {
    if (loopback) {
      const host = validateHostHeader(request.headers.host, localhostAllowedHostnames());
      if (!host.ok) return { status: 403, message: `Forbidden: ${host.message}` };
    }
    const origin = validateOriginHeader(request.headers.origin, origins);
    if (!origin.ok) return { status: 403, message: `Forbidden: ${origin.message}` };
    if (expected !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
      // Hashing first makes the comparison constant-time whatever the presented token's length.
      if (!match || !timingSafeEqual(digest(match[1]!), expected)) {
        return {
          status: 401,
          message: 'Unauthorized: this server needs Authorization: Bearer <RB_AUTH_TOKEN>',
          headers: { 'www-authenticate': 'Bearer realm="reasoning-bank"' },
        };
      }
    }
    return undefined;
  };
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
