import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { chatEvents, chatJson, errorJson, responsesEvents, responsesJson, type WireReply } from './wire-replies.js';

/** Options of {@link startTestLlmServer}. */
export interface TestLlmServerOptions {
  /** Added before every answer (and every error), in ms: a fixed model latency. Defaults to `0`. */
  latencyMs?: number;
  /**
   * When set, a request without `Authorization: Bearer <apiKey>` gets a 401 whose message quotes the key it
   * presented, as OpenAI's does (a good test that a client never leaks it). Defaults to none: any key is accepted.
   */
  apiKey?: string;
  /** How long a reply with `waitForConcurrent` waits for the other requests before failing with a 500. Defaults to `5000`. */
  barrierTimeoutMs?: number;
}

/** One request as the server received it. */
export interface RecordedLlmRequest {
  /** 0-based arrival order. */
  index: number;
  api: 'responses' | 'chat';
  path: string;
  headers: IncomingMessage['headers'];
  /** The parsed JSON body. */
  body: Record<string, unknown>;
  stream: boolean;
  model: string;
  /** System / developer text (`instructions`, or the system messages). */
  instructions: string;
  /** User and assistant turns. */
  messages: { role: string; content: string }[];
  /** Instructions and every message, joined: what `when(string)` rules match. */
  text: string;
  temperature: number | undefined;
  /** The `name` of the JSON schema asked for, when structured output was. */
  schemaName: string | undefined;
  /** True when the client went away before the answer was complete (an abort, a timeout). */
  aborted: boolean;
}

/** A scripted answer. A plain string is `{ text }`. */
export interface ReplySpec {
  /** The answer's text. Defaults to `''` (an empty answer). */
  text?: string;
  /** An answer that is this value as JSON (sets `text`). */
  json?: unknown;
  /** A refusal instead of an answer. */
  refusal?: string;
  /** Defaults to `'stop'`. `'length'` and `'content_filter'` end the answer early, as providers do. */
  finishReason?: 'stop' | 'length' | 'content_filter';
  /** Reported usage. Defaults to about a token per 4 characters of the request's text and of the answer. */
  usage?: { input?: number; output?: number; reasoning?: number; cached?: number };
  /** Model reported. Defaults to the model asked for. */
  model?: string;
  /** Wait before answering, in ms (on top of `latencyMs`). */
  delayMs?: number;
  /** Answer with this HTTP error status instead (an OpenAI-style error body with `errorMessage`). */
  status?: number;
  errorMessage?: string;
  /** Extra response headers, e.g. `{ 'retry-after': '0' }` with a 429. */
  headers?: Record<string, string>;
  /**
   * A broken connection: `reset-before-headers` closes it on receipt, `reset-mid-body` after half the answer, `hang`
   * never answers (until the client gives up or the server closes).
   */
  fault?: 'reset-before-headers' | 'reset-mid-body' | 'hang';
  /** Hold the answer until this many requests are in flight at once (proves concurrency without timing). */
  waitForConcurrent?: number;
}

export type Reply = string | ReplySpec | ((request: RecordedLlmRequest) => string | ReplySpec | Promise<string | ReplySpec>);

/** What a `when` rule matches: a substring of the request's `text`, a pattern, or a predicate. */
export type RequestMatcher = string | RegExp | ((request: RecordedLlmRequest) => boolean);

interface Rule {
  match: RequestMatcher;
  reply: Reply;
  remaining: number;
}

/**
 * A real HTTP server on 127.0.0.1 that speaks OpenAI's Responses and Chat Completions wire formats (JSON and SSE
 * streaming), for tests of agents without a paid API. Answers are scripted by content (`when`) or by order
 * (`enqueue`); every request is recorded; faults (error statuses, resets, hangs, slow or malformed answers) are
 * replies like any other.
 */
export interface TestLlmServer {
  /** Base URL to give a client, e.g. `http://127.0.0.1:41234/v1`. */
  readonly url: string;
  /** Every request, in arrival order. */
  readonly requests: readonly RecordedLlmRequest[];
  /** Requests being answered right now. */
  readonly inFlight: number;
  /** The most requests that were in flight at the same moment. */
  readonly maxConcurrent: number;
  /** Answers requests whose text matches, before the queue; `times` limits how often (defaults to every time). */
  when(match: RequestMatcher, reply: Reply, options?: { times?: number }): TestLlmServer;
  /** Answers the next requests (not taken by a `when` rule), one reply each, in order. */
  enqueue(...replies: Reply[]): TestLlmServer;
  /** Answers any request nothing else answered. Without it, such a request gets a 500 naming it. */
  setDefault(reply: Reply): TestLlmServer;
  /** Forgets rules, queue, default and recorded requests. */
  reset(): void;
  /** Closes every connection and the server. */
  close(): Promise<void>;
}

const PATHS: Record<string, 'responses' | 'chat'> = { '/v1/responses': 'responses', '/v1/chat/completions': 'chat' };

export async function startTestLlmServer(options: TestLlmServerOptions = {}): Promise<TestLlmServer> {
  const latencyMs = options.latencyMs ?? 0;
  const barrierTimeoutMs = options.barrierTimeoutMs ?? 5000;
  let rules: Rule[] = [];
  let queue: Reply[] = [];
  let fallback: Reply | undefined;
  let requests: RecordedLlmRequest[] = [];
  let inFlight = 0;
  let maxConcurrent = 0;
  let barriers: (() => void)[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();

  const wait = (ms: number, res: ServerResponse) =>
    new Promise<void>((resolve) => {
      if (ms <= 0) return resolve();
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
      res.once('close', () => {
        clearTimeout(timer);
        timers.delete(timer);
        resolve();
      });
    });

  const waitForConcurrent = (n: number, res: ServerResponse) =>
    new Promise<boolean>((resolve) => {
      if (inFlight >= n) return resolve(true);
      const timer = setTimeout(() => {
        timers.delete(timer);
        barriers = barriers.filter((b) => b !== check);
        resolve(false);
      }, barrierTimeoutMs);
      timers.add(timer);
      const check = () => {
        if (inFlight < n && !res.destroyed) return;
        clearTimeout(timer);
        timers.delete(timer);
        barriers = barriers.filter((b) => b !== check);
        resolve(inFlight >= n);
      };
      barriers.push(check);
    });

  const pick = (recorded: RecordedLlmRequest): Reply | undefined => {
    for (const rule of rules) {
      if (rule.remaining > 0 && matches(rule.match, recorded)) {
        rule.remaining--;
        return rule.reply;
      }
    }
    return queue.length > 0 ? queue.shift() : fallback;
  };

  async function answer(req: IncomingMessage, res: ServerResponse, raw: string): Promise<void> {
    const path = (req.url ?? '').split('?')[0]!;
    if (req.method === 'GET' && path === '/v1/models') return sendJson(res, 200, { object: 'list', data: [{ id: 'test-model', object: 'model' }] });
    const api = PATHS[path];
    if (req.method !== 'POST' || api === undefined) return sendJson(res, 404, errorJson(404, `test LLM server: no route ${req.method} ${path}`));
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(raw);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      body = parsed as Record<string, unknown>;
    } catch {
      return sendJson(res, 400, errorJson(400, 'test LLM server: the body is not a JSON object'));
    }
    const recorded = record(requests.length, api, path, req.headers, body);
    requests.push(recorded);
    inFlight++;
    maxConcurrent = Math.max(maxConcurrent, inFlight);
    res.once('close', () => {
      if (!res.writableFinished) recorded.aborted = true;
      inFlight--;
    });
    for (const check of [...barriers]) check();

    if (options.apiKey !== undefined && req.headers.authorization !== `Bearer ${options.apiKey}`) {
      const presented = req.headers.authorization?.replace(/^Bearer\s+/i, '') ?? '';
      await wait(latencyMs, res);
      return sendJson(res, 401, errorJson(401, `Incorrect API key provided: ${presented}. You can find your API key at https://platform.example/account/api-keys.`));
    }
    const scripted = pick(recorded);
    const spec = await resolveReply(scripted, recorded);
    if (spec === undefined) {
      return sendJson(res, 500, errorJson(500, `test LLM server: no reply scripted for request #${recorded.index} (${clip(recorded.text)})`));
    }
    if (spec.fault === 'reset-before-headers') return void req.socket.destroy();
    if (spec.waitForConcurrent !== undefined && !(await waitForConcurrent(spec.waitForConcurrent, res))) {
      return sendJson(res, 500, errorJson(500, `test LLM server: only ${maxConcurrent} request(s) were ever in flight together, not ${spec.waitForConcurrent}`));
    }
    await wait(latencyMs + (spec.delayMs ?? 0), res);
    if (res.destroyed) return;
    if (spec.fault === 'hang') return;
    if (spec.status !== undefined) {
      return sendJson(res, spec.status, errorJson(spec.status, spec.errorMessage ?? `test LLM server: scripted status ${spec.status}`), spec.headers);
    }
    const reply = wireReply(spec, recorded);
    if (recorded.stream) {
      const events = api === 'responses' ? responsesEvents(reply) : chatEvents(reply, includeUsage(body));
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...spec.headers });
      const upTo = spec.fault === 'reset-mid-body' ? Math.ceil(events.length / 2) : events.length;
      for (const event of events.slice(0, upTo)) res.write(event);
      if (spec.fault === 'reset-mid-body') return void res.socket?.destroy();
      return void res.end();
    }
    const json = JSON.stringify(api === 'responses' ? responsesJson(reply) : chatJson(reply));
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json), ...spec.headers });
    if (spec.fault === 'reset-mid-body') {
      res.write(json.slice(0, Math.floor(json.length / 2)));
      return void res.socket?.destroy();
    }
    res.end(json);
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      answer(req, res, Buffer.concat(chunks).toString('utf8')).catch((error: unknown) => {
        if (!res.headersSent) sendJson(res, 500, errorJson(500, `test LLM server: the scripted reply threw: ${String(error)}`));
        else res.destroy();
      });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const api: TestLlmServer = {
    url: `http://127.0.0.1:${port}/v1`,
    get requests() {
      return requests;
    },
    get inFlight() {
      return inFlight;
    },
    get maxConcurrent() {
      return maxConcurrent;
    },
    when(match, reply, { times = Infinity } = {}) {
      rules.push({ match, reply, remaining: times });
      return api;
    },
    enqueue(...replies) {
      queue.push(...replies);
      return api;
    },
    setDefault(reply) {
      fallback = reply;
      return api;
    },
    reset() {
      rules = [];
      queue = [];
      fallback = undefined;
      requests = [];
      maxConcurrent = inFlight;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  return api;
}

function record(index: number, api: 'responses' | 'chat', path: string, headers: IncomingMessage['headers'], body: Record<string, unknown>): RecordedLlmRequest {
  const instructions: string[] = [];
  const messages: { role: string; content: string }[] = [];
  if (api === 'responses') {
    if (typeof body['instructions'] === 'string') instructions.push(body['instructions']);
    const input = body['input'];
    if (typeof input === 'string') messages.push({ role: 'user', content: input });
    else if (Array.isArray(input)) for (const m of input) messages.push(message(m));
  } else if (Array.isArray(body['messages'])) {
    for (const m of body['messages']) {
      const read = message(m);
      if (read.role === 'system' || read.role === 'developer') instructions.push(read.content);
      else messages.push(read);
    }
  }
  const format = api === 'responses' ? (body['text'] as { format?: { name?: unknown } } | undefined)?.format : (body['response_format'] as { json_schema?: { name?: unknown } } | undefined)?.json_schema;
  return {
    index,
    api,
    path,
    headers,
    body,
    stream: body['stream'] === true,
    model: typeof body['model'] === 'string' ? body['model'] : '',
    instructions: instructions.join('\n\n'),
    messages,
    text: [...instructions, ...messages.map((m) => m.content)].join('\n\n'),
    temperature: typeof body['temperature'] === 'number' ? body['temperature'] : undefined,
    schemaName: typeof format?.name === 'string' ? format.name : undefined,
    aborted: false,
  };
}

function message(value: unknown): { role: string; content: string } {
  const m = (typeof value === 'object' && value !== null ? value : {}) as { role?: unknown; content?: unknown };
  const role = typeof m.role === 'string' ? m.role : 'user';
  if (typeof m.content === 'string') return { role, content: m.content };
  // Content given as parts: [{ type: 'input_text' | 'text', text }].
  const parts = Array.isArray(m.content) ? m.content : [];
  return { role, content: parts.map((p: { text?: unknown }) => (typeof p?.text === 'string' ? p.text : '')).join('') };
}

function matches(match: RequestMatcher, request: RecordedLlmRequest): boolean {
  if (typeof match === 'string') return request.text.includes(match);
  if (match instanceof RegExp) return match.test(request.text);
  return match(request);
}

async function resolveReply(reply: Reply | undefined, request: RecordedLlmRequest): Promise<ReplySpec | undefined> {
  if (reply === undefined) return undefined;
  const value = typeof reply === 'function' ? await reply(request) : reply;
  return typeof value === 'string' ? { text: value } : value;
}

let sequence = 0;

function wireReply(spec: ReplySpec, request: RecordedLlmRequest): WireReply {
  const text = spec.json !== undefined ? JSON.stringify(spec.json) : (spec.text ?? '');
  const approx = (s: string) => Math.ceil(s.length / 4);
  return {
    id: `test${++sequence}`,
    model: spec.model ?? (request.model || 'test-model'),
    created: Math.floor(Date.now() / 1000),
    text,
    refusal: spec.refusal,
    finishReason: spec.finishReason ?? 'stop',
    usage: {
      input: spec.usage?.input ?? approx(request.text),
      output: spec.usage?.output ?? approx(spec.refusal ?? text),
      reasoning: spec.usage?.reasoning ?? 0,
      cached: spec.usage?.cached ?? 0,
    },
  };
}

function includeUsage(body: Record<string, unknown>): boolean {
  return (body['stream_options'] as { include_usage?: unknown } | undefined)?.include_usage === true;
}

function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  const json = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json), ...headers });
  res.end(json);
}

function clip(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 120 ? `${flat.slice(0, 120)}...` : flat;
}
