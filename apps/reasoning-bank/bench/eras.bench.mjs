// What a stateless 2026-07-28 request costs next to a call in a 2025-11-25 session: the server builds a fresh server
// instance (17 tools, their schemas) for every stateless request. Medians of interleaved rounds, one client of each
// era against one built server (embedded Chroma in a temp folder), on 127.0.0.1.
// Run: node apps/reasoning-bank/bench/eras.bench.mjs   (after `npx nx build @rb/reasoning-bank`; BENCH_CALLS=200)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

const root = join(import.meta.dirname, '..', '..', '..');
const CALLS = Number(process.env.BENCH_CALLS ?? 200);
const ROUNDS = 5;
const dataDir = mkdtempSync(join(tmpdir(), 'rb-eras-bench-'));
const server = spawn(process.execPath, [join(root, 'apps/reasoning-bank/dist/cli.js'), 'serve', '--http', '--port', '0', '--json'], {
  env: { ...process.env, RB_DATA_DIR: dataDir, RB_MODEL_DIR: process.env.RB_MODEL_DIR ?? join(root, '.models'), RB_LOG_LEVEL: 'warn' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
try {
  const url = await new Promise((done) => server.stdout.once('data', (chunk) => done(JSON.parse(String(chunk).split('\n')[0]).url)));
  const connect = async (modern) => {
    const client = new Client({ name: 'bench', version: '0' }, modern ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {});
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    return client;
  };
  const clients = { '2025-11-25 session': await connect(false), '2026-07-28 stateless': await connect(true) };
  const operations = {
    'tools/list': (c) => c.listTools(),
    'tools/call get_statistics': (c) => c.callTool({ name: 'get_statistics', arguments: {} }),
  };
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`ms per request, median of ${ROUNDS} interleaved rounds of ${CALLS} sequential requests (Node ${process.version})\n`);
  console.log(`| request | ${Object.keys(clients).join(' | ')} | stateless / session |`);
  console.log('|---|---|---|---|');
  for (const [name, op] of Object.entries(operations)) {
    const perClient = Object.fromEntries(Object.keys(clients).map((k) => [k, []]));
    for (const c of Object.values(clients)) for (let i = 0; i < 20; i++) await op(c); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? Object.entries(clients) : Object.entries(clients).reverse();
      for (const [label, client] of order) {
        const start = performance.now();
        for (let i = 0; i < CALLS; i++) await op(client);
        perClient[label].push((performance.now() - start) / CALLS);
      }
    }
    const [session, stateless] = Object.values(perClient).map(median);
    console.log(`| ${name} | ${session.toFixed(2)} | ${stateless.toFixed(2)} | ${(stateless / session).toFixed(2)}x |`);
  }
  for (const c of Object.values(clients)) await c.close();
} finally {
  server.kill('SIGTERM');
  await new Promise((done) => server.once('exit', done));
  rmSync(dataDir, { recursive: true, force: true });
}
