import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;
const INVALID_TRACE_ID = '0'.repeat(32);
const INVALID_SPAN_ID = '0'.repeat(16);

/**
 * Trace and span ids cut from a pool of crypto-random hex, refilled 4 KB at a time. The SDK's default generator calls
 * `Math.random()` and hex-encodes a buffer for every id, which cost about a tenth of a span; this costs a slice.
 * Ids are never all zeros (invalid in W3C Trace Context).
 */
export class PooledIdGenerator {
  readonly #fill: (buffer: Buffer) => void;
  readonly #pool = Buffer.allocUnsafe(POOL_BYTES);
  #hex = '';
  #offset = 0;

  constructor(fill: (buffer: Buffer) => void = randomFillSync) {
    this.#fill = fill;
  }

  generateTraceId(): string {
    const id = this.#take(32);
    return id === INVALID_TRACE_ID ? this.generateTraceId() : id;
  }

  generateSpanId(): string {
    const id = this.#take(16);
    return id === INVALID_SPAN_ID ? this.generateSpanId() : id;
  }

  #take(chars: number): string {
    if (this.#offset + chars > this.#hex.length) {
      this.#fill(this.#pool);
      this.#hex = this.#pool.toString('hex');
      this.#offset = 0;
    }
    return this.#hex.slice(this.#offset, (this.#offset += chars));
  }
}
