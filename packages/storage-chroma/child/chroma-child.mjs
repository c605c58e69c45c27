// The process `startChroma` spawns: Chroma's server (chromadb's `dist/cli.mjs`, whose native `cli()` blocks the thread
// it runs on) in a worker thread, while this main thread watches the parent. The parent holds the other end of our
// stdin pipe and never writes to it; the kernel closes that pipe when the parent dies in any way (exit, SIGTERM,
// SIGKILL), so end-of-file on stdin means "the parent is gone" and the server goes with it. A plain process.exit()
// would wait for the worker, which never returns from native code: the process ends itself with SIGKILL instead
// (Chroma's data survives a kill at any point: its log is written in SQLite transactions).
//
// Usage: node chroma-child.mjs <path of chromadb/dist/cli.mjs> run --path <dir> --port <port> --host <host>
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

const [cliPath, ...args] = process.argv.slice(2);
const end = () => process.kill(process.pid, 'SIGKILL');

process.stdin.on('end', end);
process.stdin.on('close', end);
process.stdin.on('error', end);
process.stdin.resume();
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, end);

// cli.mjs reads process.argv.slice(2): a worker's argv is [node, its file, ...argv].
const worker = new Worker(pathToFileURL(cliPath), { argv: args });
worker.on('error', (error) => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exitCode = 1;
});
// The CLI returns when the server could not start (e.g. the port is taken: Chroma then exits with 0).
worker.on('exit', (code) => process.exit(process.exitCode ?? code));
