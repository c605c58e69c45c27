import fc from 'fast-check';
import { parseServerSentEvents, type ServerSentEvent } from './sse.js';

async function collect(chunks: (string | Uint8Array)[]): Promise<ServerSentEvent[]> {
  const out: ServerSentEvent[] = [];
  for await (const event of parseServerSentEvents((async function* () { yield* chunks; })())) out.push(event);
  return out;
}

const OPENAI_STREAM =
  ': OPENROUTER PROCESSING\n\n' +
  'data: {"choices":[{"delta":{"content":"Héllo"}}]}\n\n' +
  'event: usage\r\ndata: {"input":3,\r\ndata: "output":5}\r\nid: 7\r\nretry: 1500\r\n\r\n' +
  'data\rdata: [DONE]\r\r';

const EXPECTED: ServerSentEvent[] = [
  { event: 'message', data: '{"choices":[{"delta":{"content":"Héllo"}}]}', id: '' },
  { event: 'usage', data: '{"input":3,\n"output":5}', id: '7', retry: 1500 },
  { event: 'message', data: '\n[DONE]', id: '7' },
];

describe('parseServerSentEvents', () => {
  it('parses comments, named events, multi-line data, ids, retry and all three line endings', async () => {
    expect(await collect([OPENAI_STREAM])).toEqual(EXPECTED);
  });

  it('gives the same events however the bytes are split, even inside a UTF-8 character or a CRLF', async () => {
    const bytes = new TextEncoder().encode(OPENAI_STREAM);
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 12 }), async (cuts) => {
        const points = [0, ...cuts.sort((a, b) => a - b), bytes.length];
        const chunks = points.slice(1).map((end, i) => bytes.subarray(points[i], end));
        expect(await collect(chunks)).toEqual(EXPECTED);
      }),
    );
  });

  it('drops a byte-order mark, events without data, and an unfinished last event', async () => {
    expect(await collect(['\uFEFFdata: a\n\nevent: empty\n\ndata: cut off'])).toEqual([{ event: 'message', data: 'a', id: '' }]);
  });
});
