import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { request as forward } from 'undici';

/** A request the proxy saw. */
export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** What the proxy does to the requests a rule matches. */
export interface ProxyRule {
  match: (request: SeenRequest) => boolean;
  /** Holds the response this long after Chroma answered. */
  delayMs?: number;
  /** Holds the response until this settles (after Chroma answered), e.g. until a racing write was acknowledged. */
  until?: Promise<unknown>;
  /** Answers this status instead of forwarding, or cuts the connection (`'reset'`) without forwarding. */
  fail?: number | 'reset';
  /** Applies to the next matching request only. */
  once?: boolean;
}

export interface ChromaProxy {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Every request seen, in arrival order. */
  readonly requests: SeenRequest[];
  /** Adds a rule (checked in the order added); returns a function removing it. */
  rule(rule: ProxyRule): () => void;
  /** Calls `listener` when a request arrives, before it is forwarded (e.g. to kill a client mid-write). */
  onRequest(listener: (request: SeenRequest) => void): () => void;
  /** Resolves when no request is being forwarded or held. */
  idle(): Promise<void>;
  /** Refuses every connection (open ones are destroyed) until `restore()`. */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

/**
 * A test server on 127.0.0.1 (port 0) in front of a real Chroma: it forwards each request unchanged and, per rule,
 * delays Chroma's answer (by a time, or until the test says so, so that a read surely overlaps a write), fails it, or
 * cuts connections.
 * It also records what clients send (headers included), to check what reaches the wire.
 */
export async function startChromaProxy(target: string): Promise<ChromaProxy> {
  const rules: ProxyRule[] = [];
  const listeners = new Set<(request: SeenRequest) => void>();
  const requests: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  let cut = false;
  let inFlight = 0;
  const onIdle: (() => void)[] = [];
  const settle = () => {
    if (--inFlight === 0) for (const resolve of onIdle.splice(0)) resolve();
  };

  const server: Server = createServer(async (req, res) => {
    inFlight++;
    try {
      await handle(req, res);
    } finally {
      settle();
    }
  });
  const handle = async (req: IncomingMessage, res: import('node:http').ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const seen: SeenRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
    requests.push(seen);
    for (const listener of [...listeners]) listener(seen);
    const rule = rules.find((r) => r.match(seen));
    if (rule?.once) rules.splice(rules.indexOf(rule), 1);
    if (cut || rule?.fail === 'reset') {
      req.socket.destroy();
      return;
    }
    if (typeof rule?.fail === 'number') {
      res.writeHead(rule.fail, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'ProxyError', message: 'failed by the test proxy' }));
      return;
    }
    try {
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !['host', 'connection', 'content-length'].includes(name))) as Record<string, string>;
      const answer = await forward(`${target}${seen.path}`, {
        method: seen.method as 'GET',
        headers,
        ...(chunks.length > 0 ? { body: seen.body } : {}),
      });
      const body = Buffer.from(await answer.body.arrayBuffer());
      if (rule?.delayMs) await new Promise((resolve) => setTimeout(resolve, rule.delayMs));
      if (rule?.until) await rule.until.catch(() => undefined);
      if (cut) {
        req.socket.destroy();
        return;
      }
      res.writeHead(answer.statusCode, { 'content-type': String(answer.headers['content-type'] ?? 'application/json') }).end(body);
    } catch {
      req.socket.destroy();
    }
  };
  server.on('connection', (socket) => {
    if (cut) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    rule(rule) {
      rules.push(rule);
      return () => {
        const at = rules.indexOf(rule);
        if (at >= 0) rules.splice(at, 1);
      };
    },
    onRequest(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    idle: () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => onIdle.push(resolve))),
    cut() {
      cut = true;
      for (const socket of sockets) socket.destroy();
    },
    restore() {
      cut = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
