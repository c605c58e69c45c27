// Embedding throughput on the real all-MiniLM-L6-v2 (q4), every contender on the same texts, in interleaved rounds
// (each round runs every contender once, in a rotated order); the table gives each contender's median texts/s.
//
//   default        createEmbedder() with default options (the execution plan for this machine's cores), cache off
//   ours PxT       createEmbedder({ workers: P, threads: T }), cache off
//   raw PxT        the ceiling: P onnxruntime sessions of T threads, each in a process fed two batches ahead as ours
//                  are, running our batches pre-tokenised and pre-built (session.run alone: no tokenising, no pooling);
//                  "one-by-one" runs one text per call; "spin" lets onnxruntime threads busy-wait; the best is "best raw"
//   naive Tt       one text per call through a transformers.js pipeline in this thread, T threads (the seed's loop)
//   one-by-one PxT ours with batchSize 1: one text per model call on the same plan, which isolates what batching gives
//
// The event-loop delay of the calling thread (perf_hooks.monitorEventLoopDelay, 1 ms resolution) is recorded during
// every default run; RSS of a process holding only a default embedder is measured in a child process.
//
// Run: npx nx bench @rb/embed-batch
//   BENCH_TEXTS=1000 (texts per run)  BENCH_ROUNDS=5  BENCH_WORDS=5-120 (words per text)
//   BENCH_STUDY=batching: batched vs one-by-one at 1 worker x 1 thread, over text lengths and maxBatchTokens
import { AutoTokenizer, env, pipeline } from '@huggingface/transformers';
import { createEmbedder, executionPlan, planBatches } from '@rb/embed-batch';
import { execFileSync, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const MODEL = 'onnx-community/all-MiniLM-L6-v2-ONNX';
const modelDir = resolve(process.env.RB_MODEL_DIR ?? '.models');
const count = Number(process.env.BENCH_TEXTS ?? 1000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const [minWords, maxWords] = (process.env.BENCH_WORDS ?? '5-120').split('-').map(Number);
const cores = availableParallelism();
const plan = executionPlan(cores);

const WORDS = ('agent memory retrieve strategy failure success judge trajectory embedding vector cache token budget ' +
  'prompt compress retry pool latency workspace trace refine evaluate contrast sort list python request server')
  .split(' ');
let seed = 42; // mulberry32: deterministic, and no duplicate texts (dedupe would flatter ours)
const random = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const corpus = (n, min, max) => {
  const texts = Array.from({ length: n }, () =>
    Array.from({ length: min + Math.floor(random() * (max - min + 1)) }, () => WORDS[Math.floor(random() * WORDS.length)]).join(' '),
  );
  if (new Set(texts).size !== n) throw new Error('duplicate texts in the corpus');
  return texts;
};

env.allowRemoteModels = false;
env.localModelPath = modelDir;
const tokenizer = await AutoTokenizer.from_pretrained(MODEL);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/**
 * CPU seconds used so far by this process and by `pids` (Linux /proc; 10 ms ticks): the work a contender does, which,
 * unlike its wall time, hardly moves when other programs share the cores.
 */
const TICK = 0.01;
const cpuSeconds = (pids) => {
  const own = process.cpuUsage();
  let total = (own.user + own.system) / 1e6;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      total += (Number(fields[11]) + Number(fields[12])) * TICK;
    } catch {
      // not Linux, or gone: counted as nothing
    }
  }
  return total;
};
const childPids = () =>
  execFileSync('ps', ['-o', 'pid=', '--ppid', String(process.pid)], { encoding: 'utf8' }).split('\n').map(Number).filter((pid) => pid > 0);
/** Wall and CPU seconds of one run; `pids` are the contender's processes. */
const timed = async (fn, pids) => {
  const cpu = cpuSeconds(pids);
  const start = performance.now();
  await fn();
  return { wall: (performance.now() - start) / 1000, cpu: cpuSeconds(pids) - cpu };
};

/** P raw onnxruntime sessions of T threads, each in its own process, fed batch numbers two ahead from one queue. */
async function rawContender(workers, threads, { spinning = false, batchSize = 32, maxBatchTokens = 256 } = {}) {
  const path = fileURLToPath(new URL('./raw-worker.mjs', import.meta.url));
  const settings = JSON.stringify({ model: MODEL, modelDir, dtype: 'q4', threads, spinning });
  const pool = Array.from({ length: workers }, () =>
    fork(path, [settings], { execArgv: [], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
  );
  await Promise.all(pool.map((w) => once(w, 'message')));
  let prepared;
  let count = 0;
  return {
    pids: pool.map((w) => w.pid),
    name: `raw ${workers}x${threads}${spinning ? ' spin' : ''}${batchSize === 1 ? ' one-by-one' : ''}`,
    async prepare(texts) {
      if (prepared === texts) return;
      const rows = texts.map((t) => {
        const ids = tokenizer.encode(t);
        return ids.length > 512 ? [...ids.slice(0, 511), ids.at(-1)] : ids;
      });
      const batches = planBatches(rows.map((r) => r.length), batchSize, maxBatchTokens)
        .reverse()
        .map((batch) => ({ ids: Int32Array.from(batch.flatMap((i) => rows[i])), lengths: Int32Array.from(batch, (i) => rows[i].length) }));
      await Promise.all(pool.map((w) => (w.send({ batches }), once(w, 'message'))));
      count = batches.length;
      prepared = texts;
    },
    run() {
      let next = 0;
      let left = count;
      return new Promise((resolve) => {
        const listeners = pool.map((w) => {
          const onDone = () => {
            if (--left > 0) {
              if (next < count) w.send({ run: next++ });
              return;
            }
            pool.forEach((x, i) => x.off('message', listeners[i]));
            resolve();
          };
          w.on('message', onDone);
          return onDone;
        });
        for (let ahead = 0; ahead < 2; ahead++) for (const w of pool) if (next < count) w.send({ run: next++ });
      });
    },
    close: () => Promise.all(pool.map((w) => (w.kill(), once(w, 'exit')))),
  };
}

async function oursContender(name, options) {
  const before = new Set(childPids());
  const embedder = await createEmbedder({ modelDir, cache: false, ...options });
  return {
    name,
    embedder,
    pids: childPids().filter((pid) => !before.has(pid)),
    prepare: () => Promise.resolve(),
    run: (texts) => embedder.generateBatch(texts),
    close: () => embedder.dispose(),
  };
}

async function naiveContender(threads) {
  const extractor = await pipeline('feature-extraction', MODEL, {
    dtype: 'q4',
    device: 'cpu',
    session_options: { intraOpNumThreads: threads, interOpNumThreads: 1, extra: { session: { intra_op: { allow_spinning: '0' } } } },
  });
  return {
    name: `naive ${threads}t`,
    pids: [],
    prepare: () => Promise.resolve(),
    async run(texts) {
      for (const t of texts) (await extractor(t, { pooling: 'mean', normalize: true })).dispose();
    },
    close: () => extractor.dispose(),
  };
}

/**
 * Runs every contender once per round, rotating the order; returns each one's texts/s per round, and (as `.cpu`) its
 * CPU milliseconds per text.
 */
async function measure(contenders, texts, onRun) {
  for (const c of contenders) await c.prepare(texts);
  for (const c of contenders) await c.run(texts.slice(0, 64)).catch(() => c.run(texts)); // warm-up
  const rates = new Map(contenders.map((c) => [c.name, []]));
  const cpu = new Map(contenders.map((c) => [c.name, []]));
  for (let round = 0; round < rounds; round++) {
    const order = contenders.map((_, i) => contenders[(i + round) % contenders.length]);
    for (const c of order) {
      const took = await timed(() => (onRun ? onRun(c, () => c.run(texts)) : c.run(texts)), c.pids);
      rates.get(c.name).push(texts.length / took.wall);
      cpu.get(c.name).push((took.cpu * 1000) / texts.length);
    }
  }
  return Object.assign(rates, { cpu });
}

const fmt = (x) => Math.round(x).toLocaleString('en-US');

async function headline() {
  const texts = corpus(count, minWords, maxWords);
  const contenders = [
    await oursContender('default', {}),
    await oursContender(`ours 1x${cores}`, { workers: 1, threads: cores }),
    ...(plan.workers === cores && plan.threads === 1 ? [] : [await oursContender(`ours ${cores}x1`, { workers: cores, threads: 1 })]),
    await oursContender(`one-by-one ${plan.workers}x${plan.threads}`, { batchSize: 1 }),
    await rawContender(cores, 1),
    await rawContender(1, cores),
    await rawContender(1, cores, { spinning: true }),
    await rawContender(cores, 1, { batchSize: 1 }),
    await naiveContender(cores),
    await naiveContender(1),
  ];
  const delays = [];
  const rates = await measure(contenders, texts, async (c, run) => {
    if (c.name !== 'default') return run();
    const histogram = monitorEventLoopDelay({ resolution: 1 });
    histogram.enable();
    await run();
    histogram.disable();
    delays.push({ p99: histogram.percentile(99) / 1e6, max: histogram.max / 1e6 });
  });
  const medians = new Map([...rates].map(([name, xs]) => [name, median(xs)]));
  const raws = [...medians].filter(([name]) => name.startsWith('raw'));
  const [bestRaw, bestRate] = raws.reduce((a, b) => (b[1] > a[1] ? b : a));

  console.log(`Embedding throughput, all-MiniLM-L6-v2 q4, ${count} texts of ${minWords}-${maxWords} words, ${cores} cores ` +
    `(default plan ${plan.workers} workers x ${plan.threads} thread), Node ${process.version}, median of ${rounds} interleaved rounds\n`);
  const cpuMedians = new Map([...rates.cpu].map(([name, xs]) => [name, median(xs)]));
  const rawCpu = cpuMedians.get(`raw ${cores}x1`);
  console.log(`| contender | texts/s (median) | rounds (min-max) | vs best raw | vs naive at equal threads | CPU ms/text | raw ${cores}x1 CPU / its CPU |`);
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const [name, rate] of medians) {
    const naive = medians.get(`naive ${cores}t`);
    const spread = `${fmt(Math.min(...rates.get(name)))}-${fmt(Math.max(...rates.get(name)))}`;
    console.log(
      `| ${name} | ${fmt(rate)} | ${spread} | ${(rate / bestRate).toFixed(2)} | ${(rate / naive).toFixed(2)}x | ` +
        `${cpuMedians.get(name).toFixed(1)} | ${(rawCpu / cpuMedians.get(name)).toFixed(2)} |`,
    );
  }
  const p99 = median(delays.map((d) => d.p99));
  const max = Math.max(...delays.map((d) => d.max));
  console.log(`\nbest raw: ${bestRaw}; default / best raw = ${(medians.get('default') / bestRate).toFixed(3)}`);
  console.log(`event loop during default generateBatch(${count}): delay p99 ${p99.toFixed(1)} ms (median of rounds), max ${max.toFixed(1)} ms`);
  for (const c of contenders) await c.close();
}

async function batchingStudy() {
  const lengths = [[5, 20], [20, 60], [60, 120], [5, 120]];
  const bounds = [128, 256, 512, 1e9];
  const contenders = [
    await oursContender('one-by-one', { workers: 1, threads: 1, batchSize: 1 }),
    ...(await Promise.all(bounds.map((b) => oursContender(`batch 32, <= ${b === 1e9 ? 'any' : b} tokens`, { workers: 1, threads: 1, maxBatchTokens: b })))),
  ];
  console.log(`Batched vs one text per call at equal resources (1 worker x 1 thread), ${count} texts, median of ${rounds} rounds, texts/s\n`);
  console.log(`| words per text | ${contenders.map((c) => c.name).join(' | ')} |`);
  console.log(`|---|${contenders.map(() => '---:').join('|')}|`);
  for (const [min, max] of lengths) {
    const rates = await measure(contenders, corpus(count, min, max));
    const base = median(rates.get('one-by-one'));
    const baseCpu = median(rates.cpu.get('one-by-one'));
    // texts/s (ratio to one-by-one), then the ratio of CPU per text (one-by-one's / its), which load moves far less
    const cells = contenders.map((c) => {
      const rate = median(rates.get(c.name));
      if (c.name === 'one-by-one') return `${fmt(rate)} (${baseCpu.toFixed(1)} CPU ms/text)`;
      return `${fmt(rate)} (${(rate / base).toFixed(2)}x; CPU ${(baseCpu / median(rates.cpu.get(c.name))).toFixed(2)}x)`;
    });
    console.log(`| ${min}-${max} | ${cells.join(' | ')} |`);
  }
  for (const c of contenders) await c.close();
}

/** RSS of a process holding only a default embedder after 200 texts, plus that of its worker processes, in MB. */
function defaultRss() {
  const script = `import { createEmbedder } from '@rb/embed-batch';
import { execFileSync } from 'node:child_process';
const e = await createEmbedder({ modelDir: ${JSON.stringify(modelDir)} });
await e.generateBatch(Array.from({ length: 200 }, (_, i) => 'a text to embed, number ' + i));
const workers = execFileSync('ps', ['-o', 'rss=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' })
  .split('\\n').map((l) => l.trim().split(/\\s+/)).filter(([kb, comm]) => Number(kb) > 0 && comm !== 'ps').map(([kb]) => Number(kb) / 1024);
console.log(JSON.stringify({ caller: process.memoryUsage().rss / 1048576, workers }));
await e.dispose();`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', cwd: import.meta.dirname });
  const { caller, workers } = JSON.parse(out);
  const total = caller + workers.reduce((a, b) => a + b, 0);
  return `${Math.round(total)} MB (caller ${Math.round(caller)} MB + ${workers.length} workers of ${workers.map(Math.round).join(', ')} MB)`;
}

if (process.env.BENCH_STUDY === 'batching') await batchingStudy();
else {
  await headline();
  console.log(`RSS of a default embedder after 200 texts: ${defaultRss()}`);
}
