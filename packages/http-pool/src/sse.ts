/** One server-sent event, as the WHATWG EventSource parser defines it. */
export interface ServerSentEvent {
  /** The `event:` field; `'message'` when the server sent none. */
  event: string;
  /** The `data:` lines joined with `\n`. LLM APIs put one JSON object here, or `[DONE]`. */
  data: string;
  /** The last `id:` seen in the stream so far, `''` when none. */
  id: string;
  /** The `retry:` field in milliseconds, when this event carried one. */
  retry?: number;
}

/**
 * Parses a `text/event-stream` body into events, following the WHATWG rules: lines end with CRLF, LF or CR, `:` starts
 * a comment, a blank line dispatches, an event without data is dropped. Chunks may split lines and UTF-8 characters
 * anywhere.
 */
export async function* parseServerSentEvents(
  chunks: AsyncIterable<Uint8Array | string>,
): AsyncGenerator<ServerSentEvent, void, undefined> {
  const decoder = new TextDecoder('utf-8');
  let buffer = '';
  let data: string[] = [];
  let event = '';
  let id = '';
  let retry: number | undefined;
  let firstLine = true;
  // A CR at the very end of a chunk may be the first half of a CRLF split across chunks.
  let pendingCr = false;

  function* lines(final: boolean): Generator<string> {
    let start = 0;
    for (let i = 0; i < buffer.length; i++) {
      const ch = buffer.charCodeAt(i);
      if (ch !== 10 && ch !== 13) continue;
      if (ch === 13 && i === buffer.length - 1 && !final) {
        pendingCr = true;
        yield buffer.slice(start, i);
        start = i + 1;
        break;
      }
      yield buffer.slice(start, i);
      if (ch === 13 && buffer.charCodeAt(i + 1) === 10) i++;
      start = i + 1;
    }
    buffer = buffer.slice(start);
    if (final && buffer.length > 0) {
      yield buffer;
      buffer = '';
    }
  }

  function take(line: string): ServerSentEvent | undefined {
    if (firstLine) {
      firstLine = false;
      if (line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    }
    if (line === '') {
      const out = data.length > 0 ? { event: event || 'message', data: data.join('\n'), id, ...(retry === undefined ? {} : { retry }) } : undefined;
      data = [];
      event = '';
      retry = undefined;
      return out;
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id' && !value.includes('\0')) id = value;
    else if (field === 'retry' && /^\d+$/.test(value)) retry = Number(value);
    return undefined;
  }

  for await (const chunk of chunks) {
    let text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    if (pendingCr) {
      pendingCr = false;
      if (text.startsWith('\n')) text = text.slice(1);
    }
    buffer += text;
    for (const line of lines(false)) {
      const out = take(line);
      if (out) yield out;
    }
  }
  buffer += decoder.decode();
  // The spec drops an event that is not followed by a blank line when the stream ends.
  for (const line of lines(true)) {
    const out = take(line);
    if (out) yield out;
  }
}
