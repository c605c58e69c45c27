import type { IncomingMessage, ServerResponse } from 'node:http';

/** The body was larger than allowed. */
export class BodyTooLarge extends Error {
  override readonly name = 'BodyTooLarge';
}

/** Reads a request body, refusing (before reading) a declared length over `maxBytes`, and stopping as soon as more arrives. */
export async function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw new BodyTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new BodyTooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** A web `Request` for the SDK's handlers; `signal` fires when the client goes away. */
export function toWebRequest(request: IncomingMessage, body: Buffer | undefined, signal: AbortSignal): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  const host = request.headers.host ?? 'localhost';
  return new Request(`http://${host}${request.url ?? '/'}`, {
    method: request.method ?? 'GET',
    headers,
    ...(body === undefined || body.length === 0 ? {} : { body }),
    signal,
  });
}

/** Writes a web `Response` to Node's response, streaming its body (SSE) chunk by chunk until it ends or the client leaves. */
export async function sendWebResponse(response: Response, target: ServerResponse): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => (headers[name] = value));
  target.writeHead(response.status, headers);
  if (response.body === null) {
    target.end();
    return;
  }
  const reader = response.body.getReader();
  const stop = () => void reader.cancel().catch(() => undefined);
  target.once('close', stop);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!target.write(value)) await new Promise<void>((resume) => target.once('drain', resume).once('close', resume));
      if (target.destroyed) break;
    }
  } catch {
    // the stream was cancelled because the client left: nothing more to send
  } finally {
    target.removeListener('close', stop);
    target.end();
  }
}
