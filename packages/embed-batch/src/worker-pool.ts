import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { redactUrl } from '@rb/errors';
import { EmbedError, errorMessage } from './errors.js';

/** What each worker needs to load its own copy of the model. */
export interface WorkerModel {
  model: string;
  modelDir: string;
  dtype: string;
  threads: number;
  spinning: boolean;
  allowRemoteModels: boolean;
  remoteHost: string;
}

/** How workers start. */
export interface PoolOptions {
  /** Give up on a worker that has not loaded the model after this long. */
  loadTimeoutMs: number;
  /** Runs before each worker starts, replacements included; throws when the model cannot load (files gone). */
  preflight?: () => void;
  /** The worker script; the real one unless a test scripts the worker's behaviour. */
  workerPath?: string;
}

type Task = { op: 'tokenize'; texts: string[] } | { op: 'embed' | 'tokenVectors'; ids: Int32Array; lengths: Int32Array };
type Reply = { id: number; error?: string; ids?: Int32Array; lengths?: Int32Array; data?: Float32Array; pieces?: string[][] };
type Ready = { ready: true; dimension: number } | { ready: false; error: string };

interface Job {
  task: Task;
  resolve: (reply: Reply) => void;
  reject: (error: unknown) => void;
  /** Times a worker died running it. */
  crashes: number;
}

interface Slot {
  worker: ChildProcess;
  /** Jobs sent and not answered, in the order the worker runs them: the first is running. */
  jobs: { id: number; job: Job }[];
}

/**
 * Jobs a worker holds at once: the one it runs and the next, so it never waits for a round trip through this process
 * between two model calls (a busy or descheduled caller would leave it idle).
 */
const DEPTH = 2;

const WORKER_PATH = fileURLToPath(new URL('../worker/embed-worker.mjs', import.meta.url));

/**
 * One worker process. It gets no Node flags (some break it: `node --input-type=module -e` makes a module started from
 * a file fail) and writes its output, if any, to this process's stderr, never to stdout (a stdio protocol such as
 * MCP's must not see it).
 */
function spawn(model: WorkerModel, options: PoolOptions): { worker: ChildProcess; ready: Promise<Loaded> } {
  const worker = fork(options.workerPath ?? WORKER_PATH, [], {
    execArgv: [],
    serialization: 'advanced',
    stdio: ['ignore', 2, 2, 'ipc'],
  });
  worker.send({ op: 'load', ...model });
  return { worker, ready: whenReady(worker, model, options.loadTimeoutMs) };
}

/** Whether the worker keeps this process alive: only while it has a job. */
function hold(worker: ChildProcess, held: boolean): void {
  if (held) {
    worker.ref();
    worker.channel?.ref();
  } else {
    worker.unref();
    worker.channel?.unref();
  }
}

/**
 * Worker processes, each with its own tokenizer and model: tokenising and inference never run in the caller's process,
 * whose event loop stays free. Jobs queue for the least busy worker, which holds at most two (tokenising first: it is
 * short, and a batch's model calls wait for it). Idle workers do not keep the process alive. A worker that dies is replaced, and the job it was
 * running is retried once on another worker. Workers end when this process ends, however it ends.
 */
export class WorkerPool {
  private readonly slots = new Set<Slot>();
  private readonly urgent: Job[] = [];
  private readonly queue: Job[] = [];
  private readonly starting = new Set<ChildProcess>();
  private nextId = 0;
  private closed = false;

  private constructor(
    private readonly model: WorkerModel,
    private readonly options: PoolOptions,
    readonly dimension: number,
  ) {}

  /**
   * Starts `size` workers and waits until each has loaded the model. A download (`allowRemoteModels`) happens in the
   * first worker alone, so the others load the files it stored instead of racing to write them.
   */
  static async start(size: number, model: WorkerModel, options: PoolOptions): Promise<WorkerPool> {
    const workers: ChildProcess[] = [];
    const launch = () => {
      options.preflight?.();
      const { worker, ready } = spawn(model, options);
      workers.push(worker);
      return ready;
    };
    try {
      const first = await launch();
      await Promise.all(Array.from({ length: size - 1 }, launch));
      const pool = new WorkerPool(model, options, first.dimension);
      for (const worker of workers) pool.adopt(worker);
      return pool;
    } catch (error) {
      await Promise.all(workers.map(stop));
      throw error;
    }
  }

  /** Live workers. */
  get size(): number {
    return this.slots.size;
  }

  /** Token ids of `texts`, cut to the model's length, computed by the workers in chunks side by side. */
  async tokenize(texts: readonly string[]): Promise<Int32Array[]> {
    const chunk = Math.max(1, Math.min(256, Math.ceil(texts.length / Math.max(1, this.slots.size))));
    const parts: Promise<Reply>[] = [];
    for (let start = 0; start < texts.length; start += chunk) {
      parts.push(this.submit({ op: 'tokenize', texts: texts.slice(start, start + chunk) }));
    }
    const rows: Int32Array[] = [];
    for (const { ids, lengths } of await Promise.all(parts)) {
      let at = 0;
      for (const n of lengths!) {
        rows.push(ids!.subarray(at, at + n));
        at += n;
      }
    }
    return rows;
  }

  /** One model call on pre-tokenised texts: their vectors, one after the other. */
  async embed(batch: readonly Int32Array[]): Promise<Float32Array> {
    return (await this.submit({ op: 'embed', ...pack(batch) })).data!;
  }

  /**
   * One model call on pre-tokenised texts: the unit vector of each of their tokens but the special ones, all texts'
   * rows one after the other in one array, and each text's word pieces (one per row).
   */
  async tokenVectors(batch: readonly Int32Array[]): Promise<{ data: Float32Array; pieces: string[][] }> {
    const { data, pieces } = await this.submit({ op: 'tokenVectors', ...pack(batch) });
    return { data: data!, pieces: pieces! };
  }

  /** Fails every queued and running job with `DISPOSED` at once, and stops the workers. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const disposed = new EmbedError({ code: 'DISPOSED', message: 'the embedder was disposed while this call ran' });
    for (const job of this.urgent.splice(0)) job.reject(disposed);
    for (const job of this.queue.splice(0)) job.reject(disposed);
    const workers = [...this.starting];
    for (const slot of this.slots) {
      for (const { job } of slot.jobs.splice(0)) job.reject(disposed);
      workers.push(slot.worker);
    }
    this.slots.clear();
    await Promise.all(workers.map(stop));
  }

  private submit(task: Task): Promise<Reply> {
    if (this.closed) {
      return Promise.reject(new EmbedError({ code: 'DISPOSED', message: 'the embedder was disposed' }));
    }
    return new Promise((resolve, reject) => {
      (task.op === 'tokenize' ? this.urgent : this.queue).push({ task, resolve, reject, crashes: 0 });
      if (this.slots.size === 0 && this.starting.size === 0) this.replace();
      this.dispatch();
    });
  }

  private adopt(worker: ChildProcess): void {
    const slot: Slot = { worker, jobs: [] };
    this.slots.add(slot);
    worker.on('message', (reply: Reply) => this.settle(slot, reply));
    // A send to a worker that has just died fails here; its 'exit' follows, and retries the job.
    worker.on('error', () => undefined);
    worker.on('exit', (code, signal) => this.lost(slot, signal ?? `exit code ${code}`));
    hold(worker, false);
  }

  /** Hands queued jobs to the least busy workers, up to {@link DEPTH} each. */
  private dispatch(): void {
    while (this.urgent.length + this.queue.length > 0) {
      let slot: Slot | undefined;
      for (const candidate of this.slots) {
        if (candidate.jobs.length < DEPTH && (!slot || candidate.jobs.length < slot.jobs.length)) slot = candidate;
      }
      if (!slot) return;
      const job = (this.urgent.shift() ?? this.queue.shift())!;
      const id = this.nextId++;
      slot.jobs.push({ id, job });
      hold(slot.worker, true);
      slot.worker.send({ id, ...job.task });
    }
  }

  private settle(slot: Slot, reply: Reply): void {
    const at = slot.jobs.findIndex((j) => j.id === reply.id);
    if (this.closed || at < 0) return;
    const [{ job }] = slot.jobs.splice(at, 1) as [{ id: number; job: Job }];
    if (reply.error === undefined) job.resolve(reply);
    else job.reject(new EmbedError({ code: 'INFERENCE_FAILED', message: `the model failed on a batch: ${reply.error}` }));
    if (slot.jobs.length === 0) hold(slot.worker, false);
    this.dispatch();
  }

  /**
   * A worker ended without being asked to: the job it was running is retried once elsewhere (a second death fails it),
   * the one it held next goes back to the queue as it was, and a replacement starts.
   */
  private lost(slot: Slot, how: string): void {
    if (this.closed || !this.slots.delete(slot)) return;
    const [first, ...held] = slot.jobs.splice(0);
    for (const { job } of held.reverse()) (job.task.op === 'tokenize' ? this.urgent : this.queue).unshift(job);
    const running = first?.job;
    if (running) {
      running.crashes += 1;
      if (running.crashes < 2) (running.task.op === 'tokenize' ? this.urgent : this.queue).unshift(running);
      else {
        running.reject(
          new EmbedError({
            code: 'INFERENCE_FAILED',
            message: `an embedding worker died twice running this batch (last: ${how})`,
            isRetryable: true,
          }),
        );
      }
    }
    this.replace();
    this.dispatch();
  }

  /** Starts one worker; when none is left and it cannot start either, the waiting jobs fail instead of hanging. */
  private replace(): void {
    let started: ReturnType<typeof spawn>;
    try {
      this.options.preflight?.();
      started = spawn(this.model, this.options);
    } catch (error) {
      this.failWaiting(error);
      return;
    }
    const { worker, ready } = started;
    this.starting.add(worker);
    ready.then(
      () => {
        this.starting.delete(worker);
        if (this.closed) return;
        this.adopt(worker);
        this.dispatch();
      },
      (error: unknown) => {
        this.starting.delete(worker);
        void stop(worker);
        this.failWaiting(error);
      },
    );
  }

  /** With no worker left or starting, nothing would ever run the queued jobs: they fail, retryable. */
  private failWaiting(cause: unknown): void {
    if (this.closed || this.slots.size > 0 || this.starting.size > 0) return;
    const failed = new EmbedError({
      code: 'INFERENCE_FAILED',
      message: `no embedding worker is left: a replacement failed to start (${errorMessage(cause)})`,
      isRetryable: true,
      cause,
    });
    for (const job of this.urgent.splice(0)) job.reject(failed);
    for (const job of this.queue.splice(0)) job.reject(failed);
  }
}

/** Texts' token ids end to end, and the length of each: one message, one copy. */
function pack(batch: readonly Int32Array[]): { ids: Int32Array; lengths: Int32Array } {
  const lengths = Int32Array.from(batch, (ids) => ids.length);
  const ids = new Int32Array(lengths.reduce((sum, n) => sum + n, 0));
  let at = 0;
  for (const row of batch) {
    ids.set(row, at);
    at += row.length;
  }
  return { ids, lengths };
}

/** Ends a worker process and resolves once it has exited. */
function stop(worker: ChildProcess): Promise<void> {
  if (worker.exitCode !== null || worker.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    worker.once('exit', () => resolve());
    // Held until it has exited: a caller awaiting dispose() must not see its process end under the await.
    worker.ref();
    // SIGKILL: a worker inside a model call would otherwise finish the call first; nothing in it needs saving.
    worker.kill('SIGKILL');
  });
}

interface Loaded {
  dimension: number;
}

/**
 * Resolves when the worker has loaded its model; rejects with a typed error when it cannot, or has not within the
 * deadline (then the worker is stopped).
 */
function whenReady(worker: ChildProcess, model: WorkerModel, timeoutMs: number): Promise<Loaded> {
  return new Promise((resolve, reject) => {
    const fail = (message: string, cause?: unknown) =>
      reject(new EmbedError({ code: 'MODEL_LOAD_FAILED', message: `could not load ${model.model} (${model.dtype}): ${message}`, cause }));
    const onMessage = (m: Ready) => {
      cleanup();
      if (m.ready) resolve({ dimension: m.dimension });
      else fail(model.allowRemoteModels ? `${m.error} (downloading from ${redactUrl(model.remoteHost)})` : m.error);
    };
    const onError = (error: Error) => {
      cleanup();
      fail(`its worker process failed to start: ${error.message}`, error);
    };
    const onExit = (code: number | null, signal: string | null) => {
      cleanup();
      fail(`its worker process ended while loading (${signal ?? `exit code ${code}`})`);
    };
    const timer = setTimeout(() => {
      cleanup();
      void stop(worker);
      reject(
        new EmbedError({ code: 'MODEL_LOAD_TIMEOUT', message: `loading ${model.model} took over ${timeoutMs} ms`, isRetryable: true }),
      );
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}
