import type { Readable } from 'node:stream';
import { HttpPoolError } from './errors.js';
import { parseServerSentEvents, type ServerSentEvent } from './sse.js';

/**
 * A successful response (status < 400) whose body has not been read yet. Read it exactly once: `json()`, `text()`,
 * `bytes()`, `events()` (server-sent events), or `body` as a Node stream. Until the body is read or `dump()`ed, the
 * connection stays busy and `close()` waits for it.
 */
export class HttpResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  /** The URL requested, redacted as in errors. */
  readonly url: string;
  /** Attempts it took, the first one included. */
  readonly attempts: number;
  /** The body as a Node readable stream of `Buffer` chunks (also an async iterable). */
  readonly body: Readable;

  constructor(init: {
    status: number;
    headers: Record<string, string | string[] | undefined>;
    url: string;
    attempts: number;
    body: Readable;
  }) {
    this.status = init.status;
    this.headers = init.headers;
    this.url = init.url;
    this.attempts = init.attempts;
    this.body = init.body;
  }

  async bytes(): Promise<Uint8Array> {
    const chunks: Buffer[] = [];
    for await (const chunk of this.body) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async text(): Promise<string> {
    return Buffer.from(await this.bytes()).toString('utf8');
  }

  /** Parses the body as JSON; a body that does not parse fails with code `INVALID_RESPONSE`. */
  async json<T = unknown>(): Promise<T> {
    const text = await this.text();
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new HttpPoolError('INVALID_RESPONSE', `${this.url} returned a body that is not JSON: ${text.slice(0, 200)}`, {
        cause: error,
      });
    }
  }

  /** The body as server-sent events, for streaming LLM responses (`stream: true`). */
  events(): AsyncGenerator<ServerSentEvent, void, undefined> {
    return parseServerSentEvents(this.body);
  }

  /** Discards the body so the connection can serve the next request. */
  async dump(): Promise<void> {
    this.body.resume();
    if (this.body.readableEnded) return;
    await new Promise<void>((resolve, reject) => {
      this.body.once('end', resolve);
      this.body.once('error', reject);
      this.body.once('close', resolve);
    });
  }
}
