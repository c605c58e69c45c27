import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  WebStandardStreamableHTTPServerTransport,
  createMcpHandler,
  isLegacyRequest,
  type McpServer,
  type McpServerFactory,
} from '@modelcontextprotocol/server';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { VERSION } from '../version.js';
import { createGuard, isLoopback, type Refusal } from './http-guards.js';
import { BodyTooLarge, readBody, sendWebResponse, toWebRequest } from './web-bridge.js';

/** Options of {@link startHttpServer}. */
export interface HttpServerOptions {
  host: string;
  /** `0` picks a free port. */
  port: number;
  /** Required for a bind beyond loopback. */
  authToken: string | undefined;
  allowedOrigins: readonly string[];
  maxBodyBytes: number;
  maxSessions: number;
  sessionIdleMs: number;
  logger: Logger;
}

/** A running HTTP transport. */
export interface RunningHttpServer {
  /** The MCP endpoint, e.g. `http://127.0.0.1:3917/mcp`. */
  readonly url: string;
  readonly port: number;
  /** Open 2025-11-25 sessions. */
  readonly sessions: number;
  /** Stops accepting, ends every session and in-flight exchange. */
  close(): Promise<void>;
}

interface Session {
  transport: WebStandardStreamableHTTPServerTransport;
  server: McpServer;
  lastUsed: number;
}

/**
 * Streamable HTTP on `/mcp` for both protocol eras from one server factory: 2025-11-25 clients (Claude Code, Cursor,
 * the MCP Inspector) get sessions (`Mcp-Session-Id`, one server instance each, sampling and server-to-client
 * requests available); 2026-07-28 clients are served statelessly, one instance per request. `GET /health` answers
 * without authentication and says nothing but that the server is up.
 */
/** Refuses a bind beyond loopback without a bearer token (`UNSAFE_BIND`, naming what to set). */
export function assertSafeBind(host: string, authToken: string | undefined): void {
  if (!isLoopback(host) && authToken === undefined) {
    throw new AppError({
      code: 'UNSAFE_BIND',
      field: 'RB_HOST',
      message:
        `refusing to serve on ${host} without authentication: anyone who can reach it could read and delete ` +
        'memories. Set RB_AUTH_TOKEN (clients then send Authorization: Bearer <token>) or bind 127.0.0.1.',
    });
  }
}

export async function startHttpServer(factory: McpServerFactory, options: HttpServerOptions): Promise<RunningHttpServer> {
  const { logger } = options;
  assertSafeBind(options.host, options.authToken);
  const guard = createGuard(options);
  const sessions = new Map<string, Session>();
  const modern = createMcpHandler(factory, {
    legacy: 'reject',
    maxRequestBodySize: options.maxBodyBytes,
    onerror: (error) => logger.debug({ err: error }, 'MCP request refused'),
  });

  const closeSession = (id: string, why: string) => {
    const session = sessions.get(id);
    if (!session) return;
    sessions.delete(id);
    logger.info({ session: id, why }, 'MCP session closed');
    void session.server.close().catch((error: unknown) => logger.debug({ err: error }, 'closing a session failed'));
  };

  const openSession = async (): Promise<Session> => {
    if (sessions.size >= options.maxSessions) {
      const idlest = [...sessions.entries()].sort((a, b) => a[1].lastUsed - b[1].lastUsed)[0]!;
      closeSession(idlest[0], `more than ${options.maxSessions} sessions (RB_MAX_SESSIONS)`);
    }
    const server = (await factory({ era: 'legacy' })) as McpServer;
    const session: Session = {
      server,
      lastUsed: Date.now(),
      transport: new WebStandardStreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        maxRequestBodySize: options.maxBodyBytes,
        onsessioninitialized: (id) => {
          sessions.set(id, session);
          logger.info({ session: id }, 'MCP session opened');
        },
        onsessionclosed: (id) => closeSession(id, 'closed by the client'),
      }),
    };
    await server.connect(session.transport);
    return session;
  };

  const serveLegacy = async (request: Request, sessionId: string | undefined): Promise<Response> => {
    if (sessionId !== undefined) {
      const session = sessions.get(sessionId);
      if (!session) return jsonRpcError(404, 'Session not found: it ended or the server restarted; initialize a new one');
      session.lastUsed = Date.now();
      return session.transport.handleRequest(request);
    }
    // Only an initialize (a POST) opens a session; anything else without a session id is refused by the transport
    // anyway, without building a server instance for it.
    if (request.method !== 'POST') return jsonRpcError(400, 'Bad Request: Mcp-Session-Id header is required');
    const session = await openSession();
    const response = await session.transport.handleRequest(request);
    // A request that did not open a session (not an initialize) leaves an instance nobody can reach: drop it.
    if (session.transport.sessionId === undefined || !sessions.has(session.transport.sessionId)) void session.server.close();
    return response;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/health' && req.method === 'GET') return sendJson(res, 200, { ok: true, name: 'reasoning-bank', version: VERSION });
    if (path !== '/mcp') return sendJson(res, 404, { error: 'not found: the MCP endpoint is /mcp' });
    const refusal = guard(req);
    if (refusal) return sendRefusal(res, refusal);
    let body: Buffer | undefined;
    if (req.method === 'POST') {
      try {
        body = await readBody(req, options.maxBodyBytes);
      } catch (error) {
        if (error instanceof BodyTooLarge) return sendRefusal(res, { status: 413, message: `Payload too large: the limit is ${options.maxBodyBytes} bytes (RB_MAX_BODY_BYTES)` });
        throw error;
      }
    }
    const gone = new AbortController();
    res.once('close', () => gone.abort());
    const request = toWebRequest(req, body, gone.signal);
    const header = req.headers['mcp-session-id'];
    const sessionId = typeof header === 'string' ? header : undefined;
    const response =
      sessionId !== undefined || (await isLegacyRequest(request.clone(), undefined, { maxRequestBodySize: options.maxBodyBytes }))
        ? await serveLegacy(request, sessionId)
        : await modern.fetch(request);
    await sendWebResponse(response, res);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      logger.error({ err: error }, 'HTTP request failed');
      if (!res.headersSent) sendRefusal(res, { status: 500, message: 'Internal error' });
      else res.destroy();
    });
  });
  await new Promise<void>((ready, fail) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      fail(
        error.code === 'EADDRINUSE'
          ? new AppError({ code: 'START_FAILED', field: 'RB_PORT', message: `port ${options.port} on ${options.host} is taken: choose another with --port or RB_PORT`, cause: error })
          : error,
      ),
    );
    server.listen(options.port, options.host, ready);
  });

  const sweeper = setInterval(() => {
    const cutoff = Date.now() - options.sessionIdleMs;
    for (const [id, session] of sessions) if (session.lastUsed < cutoff) closeSession(id, 'idle');
  }, Math.min(60_000, options.sessionIdleMs));
  sweeper.unref();

  const address = server.address() as AddressInfo;
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${address.port}/mcp`,
    port: address.port,
    get sessions() {
      return sessions.size;
    },
    close: () =>
      (closing ??= (async () => {
        clearInterval(sweeper);
        const stopped = new Promise<void>((done) => server.close(() => done()));
        for (const id of [...sessions.keys()]) closeSession(id, 'server stopping');
        await modern.close();
        server.closeIdleConnections();
        // Streams still open (a client holding a GET stream) must not keep the server from stopping.
        const timer = setTimeout(() => server.closeAllConnections(), 2000);
        await stopped;
        clearTimeout(timer);
      })()),
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function sendRefusal(res: ServerResponse, refusal: Refusal): void {
  res.writeHead(refusal.status, { 'content-type': 'application/json', ...refusal.headers });
  res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32000, message: refusal.message } }));
}

function jsonRpcError(status: number, message: string): Response {
  return new Response(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32001, message } }), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}
