// Starts a tiny local "LLM API" that fails its first call with 503 and streams server-sent events, then talks to
// it through one pooled connection. Run: node examples/basic.mjs (after npm i @rb/http-pool)
import { createServer } from 'node:http';
import { APIConnectionPool, HttpError } from '@rb/http-pool';

let calls = 0;
let connections = 0;
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    calls++;
    if (calls === 1) return res.writeHead(503, { 'retry-after-ms': '50' }).end('{"error":"overloaded"}');
    if (req.url === '/v1/missing') return res.writeHead(404).end('{"error":"no such model"}');
    if (req.url === '/v1/stream') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const word of ['Pooled', ' connections', ' are', ' reused.']) res.write(`data: ${JSON.stringify({ delta: word })}\n\n`);
      return res.end('data: [DONE]\n\n');
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ answer: 42 }));
  });
});
server.on('connection', () => connections++);
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${server.address().port}`;

// A layer of our own around every attempt: it adds a header and counts what the retries send.
let attemptsSent = 0;
const auth = (next) => (request, context) => {
  attemptsSent++;
  return next({ ...request, headers: { ...request.headers, authorization: 'Bearer example-token' } }, context);
};
const pool = new APIConnectionPool({ poolSize: 4, maxRetries: 2, timeoutMs: 5_000, layers: { attempt: [auth] } });

// The 503 is retried (after the 50 ms the server asked for); a POST that may have been processed would not be.
const completion = await pool.postJson(`${base}/v1/chat`, { json: { prompt: 'What is 6 x 7?' } });
console.log('completion:', completion);

const stream = await pool.post(`${base}/v1/stream`, { json: { stream: true } });
let text = '';
for await (const event of stream.events()) {
  if (event.data !== '[DONE]') text += JSON.parse(event.data).delta;
}
console.log('streamed:', text);

try {
  await pool.getJson(`${base}/v1/missing`);
} catch (error) {
  if (!HttpError.isInstance(error)) throw error;
  console.log(`error: ${error.status} after ${error.attempts} attempt(s), isRetryable=${error.isRetryable}, body=${error.responseBody}`);
}

await pool.close();
server.close();
console.log('statistics:', pool.getStatistics(), `| server saw ${calls} requests on ${connections} connection(s), the layer ${attemptsSent}`);

// Every duration carries its unit; the seed's `timeout=120` (seconds) is refused with the new name.
try {
  new APIConnectionPool({ timeout: 120 });
} catch (error) {
  console.log(`${error.code} ${error.field}: ${error.message}`);
}
