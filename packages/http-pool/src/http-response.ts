import { Readable } from 'node:stream';
import { HttpPoolError } from './errors.js';
import { parseServerSentEvents, type ServerSentEvent } from './sse.js';

const NOT_PARSED = Symbol('notParsed');
/** Parses an in-memory body as JSON inside the request, so a body that is not JSON fails it. For the transport. */
export const PARSE_JSON = Symbol('parseJson');

/** Calls back once the body is finished with (read to the end, dumped, destroyed or failed). For the pool's layers. */
export const ON_BODY_DONE = Symbol('onBodyDone');

/** What a response is made of; a layer that answers without the network (a cache) builds one with a `Uint8Array` body. */
export interface HttpResponseInit {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The URL requested, redacted. */
  url: string;
  /** Attempts it took; `0` for a response that did not come from the network. */
  attempts: number;
  /** The whole body, or a stream of it. */
  body: Uint8Array | Readable;
}

/**
 * A successful response (status < 400). A body read inside the request (`requestJson`) is in memory and can be read
 * any number of times; a streamed one (`request`, `post`) is read once, as `json()`, `text()`, `bytes()`, `events()`
 * (server-sent events) or `body` (a Node stream), and keeps its connection busy until it is read or `dump()`ed.
 */
export class HttpResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  /** The URL requested, redacted as in errors. */
  readonly url: string;
  /** Attempts it took, the first one included. */
  readonly attempts: number;
  readonly #buffer: Uint8Array | undefined;
  readonly #stream: Readable | undefined;
  #used = false;
  #parsed: unknown = NOT_PARSED;

  constructor(init: HttpResponseInit) {
    this.status = init.status;
    this.headers = init.headers;
    this.url = init.url;
    this.attempts = init.attempts;
    if (init.body instanceof Uint8Array) this.#buffer = init.body;
    else this.#stream = init.body;
  }

  /** Whether a streamed body was already taken; an in-memory body never is. */
  get bodyUsed(): boolean {
    return this.#used;
  }

  /** The body as a Node readable stream of `Buffer` chunks (also an async iterable). */
  get body(): Readable {
    if (this.#buffer) return Readable.from([Buffer.from(this.#buffer.buffer, this.#buffer.byteOffset, this.#buffer.byteLength)]);
    return this.#take();
  }

  async bytes(): Promise<Uint8Array> {
    if (this.#buffer) return this.#buffer;
    const chunks: Buffer[] = [];
    for await (const chunk of this.#take()) chunks.push(chunk as Buffer);
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  }

  async text(): Promise<string> {
    const bytes = await this.bytes();
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  }

  /** Parses the body as JSON; a body that does not parse fails with code `INVALID_RESPONSE`. */
  async json<T = unknown>(): Promise<T> {
    if (this.#buffer) return this[PARSE_JSON]() as T;
    return parse(this.url, Buffer.from(await this.bytes())) as T;
  }

  /** The in-memory body parsed as JSON, once; throws `INVALID_RESPONSE` when it does not parse. */
  [PARSE_JSON](): unknown {
    if (this.#parsed === NOT_PARSED) this.#parsed = parse(this.url, this.#buffer ?? new Uint8Array(0));
    return this.#parsed;
  }

  /** The body as server-sent events, for streaming LLM responses (`stream: true`). */
  events(): AsyncGenerator<ServerSentEvent, void, undefined> {
    return parseServerSentEvents(this.#buffer ? Readable.from([this.#buffer]) : this.#take());
  }

  /** Discards the body so the connection can serve the next request. */
  async dump(): Promise<void> {
    if (this.#buffer || this.#used) return;
    const stream = this.#take();
    if (stream.closed) return;
    await new Promise<void>((resolve) => {
      stream.once('close', resolve);
      stream.on('error', () => undefined);
      stream.resume();
    });
  }

  /** Resolves once the body is finished with: read to the end, dumped, destroyed or failed. At once when in memory. */
  done(): Promise<void> {
    return new Promise((resolve) => this[ON_BODY_DONE](resolve));
  }

  [ON_BODY_DONE](callback: () => void): void {
    const stream = this.#stream;
    if (!stream || stream.closed) callback();
    else stream.once('close', callback);
  }

  #take(): Readable {
    if (this.#used) throw new HttpPoolError({ code: 'BODY_USED', message: `the body of ${this.url} was already read` });
    this.#used = true;
    return this.#stream!;
  }
}

function parse(url: string, bytes: Uint8Array): unknown {
  let text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpPoolError({
      code: 'INVALID_RESPONSE',
      message: `${url} returned a body that is not JSON: ${JSON.stringify(text.slice(0, 200))}`,
      cause: error,
    });
  }
}
