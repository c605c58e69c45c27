import { get_encoding, type Tiktoken } from 'tiktoken';
import { CompressError } from './errors.js';
import { longRuns } from './long-runs.js';

/** The tiktoken encodings this package chooses between. */
export type Encoding = 'o200k_base' | 'cl100k_base';

export const ENCODINGS: readonly Encoding[] = ['o200k_base', 'cl100k_base'];

// Model families that predate o200k_base. Everything else (gpt-4o, gpt-4.1, gpt-5, o1/o3/o4, gpt-oss and any
// unknown model) gets o200k_base: for a non-OpenAI model no tiktoken encoding is exact, and the newer one is closer.
const CL100K_PREFIXES = ['gpt-4', 'gpt-3.5', 'gpt-35', 'text-embedding-3', 'text-embedding-ada-002'];
const O200K_PREFIXES = ['gpt-4o', 'gpt-4.1', 'gpt-4.5', 'chatgpt-4o'];

/** The encoding a model uses; a provider prefix such as `openai/` is ignored. */
export function encodingForModel(model: string): Encoding {
  const name = model.slice(model.lastIndexOf('/') + 1).toLowerCase();
  if (O200K_PREFIXES.some((p) => name.startsWith(p))) return 'o200k_base';
  if (CL100K_PREFIXES.some((p) => name.startsWith(p))) return 'cl100k_base';
  return 'o200k_base';
}

/**
 * Runs of one class (letters, whitespace, symbols) of this many UTF-8 bytes or more are encoded in chunks of at most
 * `LONG_RUN_CHUNK_BYTES`, because tiktoken's BPE is quadratic in the bytes of one piece (see `longRuns`): long
 * unspaced CJK, a line of `=`, padding, blank space. The count of such a run may differ from tiktoken's by up to 2
 * tokens per chunk, either way; all other text is counted exactly.
 */
export const LONG_RUN_BYTES = 256;
/** Size of the chunks a long run is encoded in. */
export const LONG_RUN_CHUNK_BYTES = 128;

// Chunks and the text around them go to tiktoken in one call, separated by a special token: it ends a piece as a
// separate call would, and one call instead of thousands keeps a megabyte of blank space fast.
const SEPARATOR = '<|endoftext|>';

// Token ids of both encodings are below 2^18; 0 means "not looked up yet" (no token is empty).
const TABLE_SIZE = 1 << 18;

interface Shared {
  encoder: Tiktoken;
  users: number;
  separator: number;
  /** UTF-8 length of each token, filled as tokens are met. */
  byteLengths: Uint16Array;
}

// Loading an encoding costs 50-160 ms and several MB of WASM memory, so compressors with the same encoding share one
// encoder, freed when the last of them is disposed.
const shared = new Map<Encoding, Shared>();

/** A handle on the shared tiktoken encoder of one encoding, reused for every call until `free()`. */
export class Tokenizer {
  readonly encoding: Encoding;
  #shared: Shared | undefined;

  constructor(encoding: Encoding) {
    this.encoding = encoding;
    let entry = shared.get(encoding);
    if (!entry) {
      const encoder = get_encoding(encoding);
      entry = { encoder, users: 0, separator: encoder.encode(SEPARATOR, 'all')[0]!, byteLengths: new Uint16Array(TABLE_SIZE) };
      shared.set(encoding, entry);
    }
    entry.users++;
    this.#shared = entry;
  }

  /** Tokens of `text`, ordinary text only: `<|endoftext|>` in a prompt is prose to us (tiktoken's encode() would throw). */
  encode(text: string): Uint32Array {
    const entry = this.#live();
    const runs = longRuns(text, LONG_RUN_BYTES);
    return runs.length > 0 ? encodeInChunks(entry, text, runs) : entry.encoder.encode_ordinary(text);
  }

  count(text: string): number {
    return this.encode(text).length;
  }

  /** UTF-8 byte length of one token, so token offsets map onto byte offsets of the text. */
  byteLength(token: number): number {
    const { byteLengths, encoder } = this.#live();
    let length = byteLengths[token]!;
    if (length === 0) byteLengths[token] = length = encoder.decode_single_token_bytes(token).length;
    return length;
  }

  get disposed(): boolean {
    return this.#shared === undefined;
  }

  free(): void {
    const entry = this.#shared;
    if (!entry) return;
    this.#shared = undefined;
    if (--entry.users === 0) {
      shared.delete(this.encoding);
      entry.encoder.free();
    }
  }

  #live(): Shared {
    if (!this.#shared) throw new CompressError({ code: 'DISPOSED', message: 'this PromptCompressor was disposed; create a new one' });
    return this.#shared;
  }
}

function encodeInChunks({ encoder, separator }: Shared, text: string, runs: readonly (readonly [number, number])[]): Uint32Array {
  const parts: string[] = [];
  let pos = 0;
  for (const [start, end] of runs) {
    if (start > pos) parts.push(text.slice(pos, start));
    for (let at = start; at < end; ) {
      const next = chunkEnd(text, at, end);
      parts.push(text.slice(at, next));
      at = next;
    }
    pos = end;
  }
  if (pos < text.length) parts.push(text.slice(pos));
  if (!text.includes(SEPARATOR)) {
    // Other special tokens' texts stay ordinary text: nothing but the separator is allowed, nothing is refused.
    return withoutToken(encoder.encode(parts.join(SEPARATOR), [SEPARATOR], []), separator);
  }
  return concatTokens(parts.map((part) => encoder.encode_ordinary(part)));
}

/** The token arrays one after another, in one array. */
export function concatTokens(arrays: readonly Uint32Array[]): Uint32Array {
  const all = new Uint32Array(arrays.reduce((n, a) => n + a.length, 0));
  let offset = 0;
  for (const tokens of arrays) {
    all.set(tokens, offset);
    offset += tokens.length;
  }
  return all;
}

/** `tokens` without `token`. A loop: `Uint32Array.prototype.filter` took ~0.8 s on a megabyte's 1.25M tokens. */
function withoutToken(tokens: Uint32Array, token: number): Uint32Array {
  const out = new Uint32Array(tokens.length);
  let kept = 0;
  for (let i = 0; i < tokens.length; i++) if (tokens[i] !== token) out[kept++] = tokens[i]!;
  return out.slice(0, kept);
}

/** Where a chunk starting at `start` ends: at most `LONG_RUN_CHUNK_BYTES` bytes later, never inside a surrogate pair. */
function chunkEnd(text: string, start: number, end: number): number {
  let bytes = 0;
  let i = start;
  while (i < end) {
    const code = text.charCodeAt(i);
    const size = code < 0x80 ? 1 : code < 0x800 ? 2 : isHighSurrogate(code) ? 4 : 3;
    if (bytes + size > LONG_RUN_CHUNK_BYTES && i > start) break;
    bytes += size;
    i += size === 4 ? 2 : 1;
  }
  return Math.min(i, end);
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
