import { isPieceBoundary } from './piece-boundary.js';
import { concatTokens, type Tokenizer } from './tokenizer.js';

/** A line this long or longer ends a block, where the next line may start one; shorter lines gather. */
const MIN_LINE_CHARS = 16;
/** A block is cut at the next place allowed once it is this long, whatever its lines. */
const MAX_BLOCK_CHARS = 2048;

/**
 * The blocks of a text. It may be cut where `isPieceBoundary` allows (after most line breaks), and is, after every
 * line of `minLineChars` or more: a rule that looks only at the lines around the cut, so that a text and an edited
 * copy of it (a technique removed a comment) are cut alike away from the edit and most of their blocks are the same
 * strings, counted once. Runs of short lines gather into one block of up to about `MAX_BLOCK_CHARS`.
 */
export function splitBlocks(text: string, minLineChars = MIN_LINE_CHARS): string[] {
  const blocks: string[] = [];
  let start = 0;
  let lineStart = 0;
  for (let k = text.indexOf('\n'); k !== -1; k = text.indexOf('\n', k + 1)) {
    const next = k + 1;
    const lineLength = k - lineStart;
    lineStart = next;
    if ((lineLength >= minLineChars || next - start >= MAX_BLOCK_CHARS) && isPieceBoundary(text, next)) {
      blocks.push(text.slice(start, next));
      start = next;
    }
  }
  if (start < text.length) blocks.push(text.slice(start));
  return blocks;
}

/**
 * Exact token counts of a family of texts that share most of their content (a prompt before and after each
 * technique, a truncated head and tail): each distinct block is encoded once, and the blocks a technique did not
 * change are never encoded again. One per `compress` or `compressSections` call.
 */
export class TokenCounter {
  readonly #known = new Map<string, Uint32Array>();
  /** Texts that had to be encoded whole because a token spanned two blocks; a test keeps it at zero. */
  fallbacks = 0;

  constructor(
    readonly tokenizer: Tokenizer,
    /** Tests set 0 to cut at every place allowed, which checks that each of them is safe. */
    private readonly minLineChars?: number,
  ) {}

  count(text: string): number {
    const blocks = this.#tokensOfBlocks(text);
    if (!blocks) return this.tokenizer.count(text);
    let total = 0;
    for (const tokens of blocks) total += tokens.length;
    return total;
  }

  /** The tokens of the whole text, as one encode of it would give. */
  tokens(text: string): Uint32Array {
    const blocks = this.#tokensOfBlocks(text);
    if (!blocks) return this.tokenizer.encode(text);
    return blocks.length === 1 ? blocks[0]! : concatTokens(blocks);
  }

  /** Per block, its tokens; `undefined` when a token spanned two blocks, so the text must be encoded whole. */
  #tokensOfBlocks(text: string): Uint32Array[] | undefined {
    const blocks = splitBlocks(text, this.minLineChars);
    const missing: string[] = [];
    const pending = new Set<string>();
    for (const block of blocks) {
      if (!this.#known.has(block) && !pending.has(block)) {
        pending.add(block);
        missing.push(block);
      }
    }
    // The missing blocks keep their order, so the text's first block (which may start with a space) stays first and
    // its last (which may end without a line break) stays last; encoded together they cost one call.
    if (missing.length > 0 && !this.#learn(missing)) {
      this.fallbacks++;
      return undefined;
    }
    return blocks.map((block) => this.#known.get(block)!);
  }

  #learn(missing: readonly string[]): boolean {
    const tokens = this.tokenizer.encode(missing.length === 1 ? missing[0]! : missing.join(''));
    let t = 0;
    for (const block of missing) {
      const bytes = Buffer.byteLength(block, 'utf8');
      const first = t;
      let sum = 0;
      while (sum < bytes && t < tokens.length) sum += this.tokenizer.byteLength(tokens[t++]!);
      // A token across the end of a block would mean the blocks are not independent here: count the text whole.
      if (sum !== bytes) return false;
      this.#known.set(block, tokens.subarray(first, t));
    }
    return true;
  }
}
