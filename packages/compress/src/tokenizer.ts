import { get_encoding, type Tiktoken } from 'tiktoken';
import { CompressError } from './errors.js';

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

// Loading an encoding costs 50-160 ms and several MB of WASM memory, so compressors with the same encoding share one
// encoder, freed when the last of them is disposed.
const shared = new Map<Encoding, { encoder: Tiktoken; users: number }>();

/**
 * tiktoken's BPE is quadratic in the length of one pre-tokenized piece: 10k letters without a space take 0.1 s, 100k
 * take 9 s, 100k CJK characters 76 s, and 2M letters make the WASM module abort. Runs this long
 * (base64, minified code, unspaced CJK) are encoded in chunks; the count of such a run may differ from tiktoken's by
 * about a token per chunk, while all other text is counted exactly.
 */
export const LONG_RUN_CHARS = 1000;
const CHUNK_CHARS = 500;
const LONG_RUN = new RegExp(`\\S{${LONG_RUN_CHARS},}`);
const LONG_RUNS = new RegExp(LONG_RUN.source, 'g');

function encodeInChunks(encoder: Tiktoken, text: string): Uint32Array {
  const parts: Uint32Array[] = [];
  let pos = 0;
  const add = (from: number, to: number): void => {
    if (to > from) parts.push(encoder.encode_ordinary(text.slice(from, to)));
  };
  for (const m of text.matchAll(LONG_RUNS)) {
    add(pos, m.index);
    const end = m.index + m[0].length;
    for (let at = m.index; at < end; ) {
      let next = Math.min(at + CHUNK_CHARS, end);
      // Never between the two halves of a surrogate pair.
      if (next < end && /[\uD800-\uDBFF]/.test(text[next - 1]!)) next++;
      add(at, next);
      at = next;
    }
    pos = end;
  }
  add(pos, text.length);
  const tokens = new Uint32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    tokens.set(p, offset);
    offset += p.length;
  }
  return tokens;
}

/** A handle on the shared tiktoken encoder of one encoding, reused for every call until `free()`. */
export class Tokenizer {
  readonly encoding: Encoding;
  private encoder: Tiktoken | undefined;

  constructor(encoding: Encoding) {
    this.encoding = encoding;
    let entry = shared.get(encoding);
    if (!entry) shared.set(encoding, (entry = { encoder: get_encoding(encoding), users: 0 }));
    entry.users++;
    this.encoder = entry.encoder;
  }

  // The last encoding is remembered: the compressor counts a text after a pass and truncation then encodes the same
  // text again, which for a long prompt is the most expensive step.
  private lastText = '';
  private lastTokens: Uint32Array = new Uint32Array(0);

  // encode_ordinary: text that merely contains "<|endoftext|>" is prose to us, and tiktoken's encode() would throw.
  encode(text: string): Uint32Array {
    const encoder = this.live();
    if (text !== this.lastText) {
      this.lastTokens = LONG_RUN.test(text) ? encodeInChunks(encoder, text) : encoder.encode_ordinary(text);
      this.lastText = text;
    }
    return this.lastTokens;
  }

  count(text: string): number {
    return this.encode(text).length;
  }

  /** Byte length of each token in UTF-8, so token offsets map onto byte offsets of the text. */
  tokenByteLengths(tokens: Uint32Array): Uint32Array {
    const encoder = this.live();
    const lengths = new Uint32Array(tokens.length);
    for (let i = 0; i < tokens.length; i++) lengths[i] = encoder.decode_single_token_bytes(tokens[i]!).length;
    return lengths;
  }

  get disposed(): boolean {
    return this.encoder === undefined;
  }

  free(): void {
    if (!this.encoder) return;
    this.encoder = undefined;
    this.lastText = '';
    this.lastTokens = new Uint32Array(0);
    const entry = shared.get(this.encoding)!;
    if (--entry.users === 0) {
      shared.delete(this.encoding);
      entry.encoder.free();
    }
  }

  private live(): Tiktoken {
    if (!this.encoder) throw new CompressError('DISPOSED', 'this PromptCompressor was disposed; create a new one');
    return this.encoder;
  }
}
