// Pooled keep-alive vs a fresh connection per request (a new APIConnectionPool, hence a new undici Agent, per
// request, like the seed's unpooled `requests.post`), in one run, against a local HTTPS server (self-signed
// certificate made for the run by openssl) behind a TCP proxy that delays every chunk both ways, so TCP and TLS
// handshakes cost real round trips. Run: npx nx bench @rb/http-pool
// Env: BENCH_RTT_MS (round trip added, default 20), BENCH_SERVER_MS (server think time, default 0),
// BENCH_CONCURRENT (requests of the concurrent case, default 200), BENCH_CONCURRENCY (default 20).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { connect, createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APIConnectionPool } from '@rb/http-pool';

const RTT_MS = Number(process.env.BENCH_RTT_MS ?? 20);
const SERVER_MS = Number(process.env.BENCH_SERVER_MS ?? 0);
const CONCURRENT = Number(process.env.BENCH_CONCURRENT ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 20);
const BUDGET_MS = 60_000;
const benchStart = performance.now();

function makeCertificate() {
  const dir = mkdtempSync(join(tmpdir(), 'http-pool-bench-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  } catch (error) {
    console.error('openssl is needed to make the self-signed certificate of this benchmark');
    throw error;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

// A stand-in for an LLM API: reads the JSON request, answers a small JSON completion.
async function startApi(tls) {
  let handshakes = 0;
  const server = createHttpsServer({ ...tls, keepAliveTimeout: 30_000 }, (req, res) => {
    req.resume();
    req.on('end', () => {
      const body = JSON.stringify({ id: 'cmpl-1', choices: [{ message: { role: 'assistant', content: 'ok' } }] });
      const answer = () => res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }).end(body);
      if (SERVER_MS > 0) setTimeout(answer, SERVER_MS);
      else answer();
    });
  });
  server.on('secureConnection', () => handshakes++);
  const port = await listen(server);
  return { port, server, handshakes: () => handshakes };
}

// Delays each chunk by half the round trip in each direction, and holds a new connection for one round trip first,
// as the SYN / SYN-ACK exchange would.
async function startDelayProxy(targetPort) {
  const oneWay = RTT_MS / 2;
  const sockets = new Set();
  const server = createTcpServer((client) => {
    client.pause();
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    setTimeout(() => {
      const upstream = connect(targetPort, '127.0.0.1');
      sockets.add(upstream);
      upstream.on('close', () => sockets.delete(upstream));
      const forward = (from, to) => {
        from.on('data', (chunk) => setTimeout(() => to.write(chunk), oneWay));
        from.on('end', () => setTimeout(() => to.end(), oneWay));
        from.on('error', () => to.destroy());
      };
      forward(client, upstream);
      forward(upstream, client);
      client.resume();
    }, RTT_MS);
  });
  const port = await listen(server);
  return {
    port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

const tlsFiles = makeCertificate();
const api = await startApi(tlsFiles);
const proxy = await startDelayProxy(api.port);
const url = `https://127.0.0.1:${proxy.port}/v1/chat/completions`;
const payload = { model: 'bench', messages: [{ role: 'user', content: 'Say ok.' }] };
const poolOptions = { tls: { ca: tlsFiles.cert } };

async function fresh() {
  const pool = new APIConnectionPool(poolOptions);
  try {
    return await pool.postJson(url, { json: payload });
  } finally {
    await pool.close();
  }
}

async function timed(label, fn) {
  if (performance.now() - benchStart > BUDGET_MS) throw new Error(`bench budget of ${BUDGET_MS} ms exceeded before "${label}"`);
  const before = api.handshakes();
  const start = performance.now();
  await fn();
  return { ms: performance.now() - start, handshakes: api.handshakes() - before };
}

async function sequential(n) {
  const unpooled = await timed(`fresh x${n}`, async () => {
    for (let i = 0; i < n; i++) await fresh();
  });
  const pool = new APIConnectionPool(poolOptions);
  const pooled = await timed(`pooled x${n}`, async () => {
    for (let i = 0; i < n; i++) await pool.postJson(url, { json: payload });
  });
  await pool.close();
  return { unpooled, pooled };
}

async function concurrently(n, width, send) {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      await send();
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
}

async function concurrent() {
  const unpooled = await timed('fresh concurrent', () => concurrently(CONCURRENT, CONCURRENCY, fresh));
  const pool = new APIConnectionPool({ ...poolOptions, poolSize: CONCURRENCY });
  const pooled = await timed('pooled concurrent', () =>
    concurrently(CONCURRENT, CONCURRENCY, () => pool.postJson(url, { json: payload })),
  );
  await pool.close();
  return { unpooled, pooled };
}

// Warm up both paths (JIT, TLS code) before measuring.
await sequential(3);

const seed = { 10: ['12.5s', '8.2s', '1.5x'], 50: ['62.3s', '38.1s', '1.6x'], 100: ['124.7s', '74.9s', '1.7x'] };
const rows = [];
for (const n of [10, 50, 100]) rows.push([`${n} requests`, await sequential(n), seed[n]]);
rows.push([`${CONCURRENT} requests, ${CONCURRENCY} at a time`, await concurrent(), ['-', '-', '-']]);

await proxy.close();
api.server.closeAllConnections();
api.server.close();

const s = (ms) => `${(ms / 1000).toFixed(2)}s`;
console.log(`Connection pooling, HTTPS (TLS 1.3, P-256) via a proxy adding ${RTT_MS} ms RTT, server think time ${SERVER_MS} ms, Node ${process.version}\n`);
console.log('| Scenario | Without pool | With pool | Improvement | TLS handshakes (without / with) | Seed: without / with | Seed improvement |');
console.log('|---|---|---|---|---|---|---|');
for (const [name, { unpooled, pooled }, [seedWithout, seedWith, seedRatio]] of rows) {
  const ratio = `${(unpooled.ms / pooled.ms).toFixed(1)}x faster`;
  console.log(`| ${name} | ${s(unpooled.ms)} | ${s(pooled.ms)} | ${ratio} | ${unpooled.handshakes} / ${pooled.handshakes} | ${seedWithout} / ${seedWith} | ${seedRatio} |`);
}
console.log(`\nTotal bench time ${s(performance.now() - benchStart)}.`);
