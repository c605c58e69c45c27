import { Worker } from 'node:worker_threads';
import { EmbedError } from './errors.js';

/** What each worker needs to load its own copy of the model. */
export interface WorkerModel {
  model: string;
  modelDir: string;
  dtype: string;
  spinning: boolean;
  allowRemoteModels: boolean;
}

interface Job {
  texts: string[];
  resolve: (rows: Float32Array[]) => void;
  reject: (error: unknown) => void;
}

type Reply = { id: number; data: Float32Array; dimension: number } | { id: number; error: string };

/**
 * Worker threads, each with its own model and one onnxruntime thread: on several cores this beats one model with as
 * many threads, whose threads spend much of a small batch waiting on each other. Batches queue for the next free worker.
 */
export class WorkerPool {
  private readonly idle: Worker[] = [];
  private readonly queue: Job[] = [];
  private readonly running = new Map<number, { worker: Worker; job: Job }>();
  private nextId = 0;

  private constructor(private readonly workers: Worker[]) {
    for (const worker of workers) {
      worker.on('message', (reply: Reply) => this.settle(worker, reply));
      worker.on('error', (error) => this.fail(worker, error));
      this.idle.push(worker);
    }
  }

  static async start(size: number, model: WorkerModel): Promise<WorkerPool> {
    const url = new URL('../worker/embed-worker.mjs', import.meta.url);
    const workers = Array.from({ length: size }, () => new Worker(url, { workerData: model }));
    const ready = workers.map(
      (worker) =>
        new Promise<void>((resolve, reject) => {
          worker.once('message', (m: { ready: boolean; error?: string }) =>
            m.ready ? resolve() : reject(new EmbedError('MODEL_LOAD_FAILED', `embedding worker: ${m.error}`)),
          );
          worker.once('error', (cause) =>
            reject(new EmbedError('MODEL_LOAD_FAILED', `embedding worker failed to start: ${cause.message}`, { cause })),
          );
        }),
    );
    try {
      await Promise.all(ready);
    } catch (error) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw error;
    }
    return new WorkerPool(workers);
  }

  get size(): number {
    return this.workers.length;
  }

  run(texts: string[]): Promise<Float32Array[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ texts, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    for (const job of this.queue.splice(0)) job.reject(new EmbedError('DISPOSED', 'this embedder was disposed'));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop()!;
      const job = this.queue.shift()!;
      const id = this.nextId++;
      this.running.set(id, { worker, job });
      worker.postMessage({ id, texts: job.texts });
    }
  }

  private settle(worker: Worker, reply: Reply): void {
    const entry = this.running.get(reply.id);
    if (!entry) return;
    this.running.delete(reply.id);
    this.idle.push(worker);
    if ('error' in reply) {
      entry.job.reject(new EmbedError('INFERENCE_FAILED', `embedding worker: ${reply.error}`));
    } else {
      const rows: Float32Array[] = [];
      for (let i = 0; i < entry.job.texts.length; i++) {
        rows.push(reply.data.slice(i * reply.dimension, (i + 1) * reply.dimension));
      }
      entry.job.resolve(rows);
    }
    this.dispatch();
  }

  /** A worker that crashed is gone: its job fails, and when no worker is left, so does every queued job. */
  private fail(worker: Worker, cause: Error): void {
    const error = new EmbedError('INFERENCE_FAILED', `embedding worker died: ${cause.message}`, { cause });
    this.workers.splice(this.workers.indexOf(worker), 1);
    for (const [id, entry] of this.running) {
      if (entry.worker !== worker) continue;
      this.running.delete(id);
      entry.job.reject(error);
    }
    if (this.workers.length === 0) for (const job of this.queue.splice(0)) job.reject(error);
  }
}
