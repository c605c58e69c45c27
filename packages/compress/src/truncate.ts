import { languageFamily, type LanguageFamily } from './code-lexer.js';
import { safeLineStarts } from './code-comments.js';
import { splitFences } from './fences.js';
import type { TokenCounter } from './token-counter.js';

/** Where the text may be cut: a char offset, and the fence to close/reopen when the cut falls inside code. */
interface Cut {
  at: number;
  fence: Fence | undefined;
}

interface Fence {
  family: LanguageFamily | undefined;
  open: string;
  close: string;
  /** From the start of the opening fence line to the end of the closing one. */
  blockStart: number;
  blockEnd: number;
  bodyStart: number;
  bodyEnd: number;
}

const SENTENCE_END = /[.!?]["')\]]*[ \t]+(?=\S)/g;
const FENCE_START = /^ {0,3}(```|~~~)/;

/**
 * A cut inside a line must not leave a piece that reads as a fence line: it would open or close code. Only the first
 * characters of each piece matter, which keeps this O(1) for every sentence of a long line.
 */
function splitsCleanly(line: string, at: number): boolean {
  return !FENCE_START.test(line.slice(0, 6)) && !FENCE_START.test(line.slice(at, at + 6));
}

export const markerText = (omitted: number): string => `[... ${omitted} tokens omitted ...]`;

/**
 * Cuts `text` to at most `budget` tokens: `headRatio` of what is left after the marker from the start, the rest from
 * the end, on line or sentence boundaries (inside code: only between lines that lie outside strings and comments).
 * The text's tokens come from the counter, which has usually seen them already; token offsets are mapped to byte
 * offsets, so the cut never splits a character, and the assembled result is counted through the counter too, which
 * encodes only the lines around the cuts and the marker.
 */
export function truncate(counter: TokenCounter, text: string, budget: number, headRatio: number): { text: string; tokens: number } {
  const tokens = counter.tokens(text);
  if (tokens.length <= budget) return { text, tokens: tokens.length };
  const { tokenizer } = counter;
  const bytes = Buffer.from(text, 'utf8');
  const ends = new Float64Array(tokens.length);
  for (let i = 0, sum = 0; i < tokens.length; i++) ends[i] = sum += tokenizer.byteLength(tokens[i]!);

  // Only the first and the last `budget` tokens can hold a cut: cut points are looked for there alone, which keeps a
  // megabyte of short lines from becoming a million candidates.
  const headEnd = bytes.toString('utf8', 0, ends[Math.min(budget, tokens.length) - 1]).length + 2;
  const tailStart = tokens.length > budget ? bytes.toString('utf8', 0, ends[tokens.length - budget - 1]).length - 2 : 0;
  const { cuts, fences } = cutPoints(text, headEnd, tailStart);
  const byteOf = charToByteMapper(text);
  const cutBytes = cuts.map((c) => byteOf(c.at));
  // Tokens wholly before / wholly after a byte offset.
  const tokensBefore = (b: number): number => upperBound(ends, b);
  const tokensAfter = (b: number): number => tokens.length - upperBound(ends, b, true);

  let slack = 0;
  for (let attempt = 0; attempt < 8; attempt++) {
    const marker = markerText(tokens.length);
    const available = budget - counter.count(`\n${marker}\n`) - slack;
    if (available <= 0) break;
    const headBudget = Math.floor(available * headRatio);
    const tailBudget = available - headBudget;

    let head = 0;
    for (let i = 0; i < cuts.length && tokensBefore(cutBytes[i]!) <= headBudget; i++) head = i;
    let headCut: Cut = cuts[head]!;
    let headByte = cutBytes[head]!;
    if (tokensBefore(headByte) < headBudget / 2 && headBudget > 0) {
      const byte = charStart(bytes, ends[headBudget - 1]!, -1);
      const raw = rawCut(text, bytes, byte, fences);
      if (raw) [headCut, headByte] = [raw, byte];
    }
    let tail = cuts.length - 1;
    while (tail > 0 && cutBytes[tail - 1]! >= headByte && tokensAfter(cutBytes[tail - 1]!) <= tailBudget) tail--;
    let tailCut: Cut = cuts[tail]!;
    let tailByte = cutBytes[tail]!;
    if (tokensAfter(tailByte) < tailBudget / 2 && tailBudget > 0) {
      const start = tokens.length - tailBudget > 0 ? ends[tokens.length - tailBudget - 1]! : 0;
      const byte = Math.max(headByte, charStart(bytes, start, 1));
      const raw = rawCut(text, bytes, byte, fences);
      if (raw) [tailCut, tailByte] = [raw, byte];
    }

    const omitted = tokens.length - tokensBefore(headByte) - tokensAfter(tailByte);
    const result = assemble(text, headCut, tailCut, markerText(omitted));
    const count = counter.count(result);
    if (count <= budget) return { text: result, tokens: count };
    slack += count - budget;
  }
  const marker = markerText(tokens.length);
  const markerTokens = counter.count(marker);
  return markerTokens <= budget ? { text: marker, tokens: markerTokens } : { text: '', tokens: 0 };
}

function assemble(text: string, headCut: Cut, tailCut: Cut, marker: string): string {
  let head = text.slice(0, headCut.at).trimEnd();
  if (headCut.fence && headCut.at > headCut.fence.bodyStart) head += `\n${headCut.fence.close}`;
  let tail = text.slice(tailCut.at).replace(/^(?:[ \t]*\r?\n)+/, '');
  if (tailCut.fence && tail !== '') tail = `${tailCut.fence.open}\n${tail}`;
  return [head, marker, tail].filter((part) => part !== '').join('\n');
}

/** Line and sentence boundaries (inside code: safe line starts) of the lines that reach `[0, headEnd]` or `[tailStart, end]`. */
function cutPoints(text: string, headEnd: number, tailStart: number): { cuts: Cut[]; fences: Fence[] } {
  const cuts: Cut[] = [];
  const fences: Fence[] = [];
  const wanted = (from: number, to: number): boolean => from <= headEnd || to >= tailStart;
  let offset = 0;
  for (const segment of splitFences(text)) {
    if (segment.kind === 'prose') {
      for (const line of segment.lines) {
        if (wanted(offset, offset + line.length)) {
          cuts.push({ at: offset, fence: undefined });
          for (const m of line.matchAll(SENTENCE_END)) {
            const at = m.index + m[0].length;
            if (splitsCleanly(line, at)) cuts.push({ at: offset + at, fence: undefined });
          }
        }
        offset += line.length + 1;
      }
      continue;
    }
    const blockStart = offset;
    const body = segment.body.join('\n');
    const bodyStart = offset + segment.open.length + 1;
    // Where the closing fence line starts (or the text ends, for a fence left open).
    const afterBody = bodyStart + (segment.body.length === 0 ? 0 : body.length + 1);
    if (!wanted(blockStart, afterBody + (segment.close?.length ?? 0))) {
      offset = segment.close === undefined ? afterBody : afterBody + segment.close.length + 1;
      continue;
    }
    cuts.push({ at: offset, fence: undefined });
    offset = bodyStart;
    const marker = /^ *([`~]+)/.exec(segment.open)![1]!;
    const family = languageFamily(segment.lang);
    const bodyEnd = offset + body.length;
    const fence: Fence = { family, open: segment.open, close: marker, blockStart, blockEnd: bodyEnd, bodyStart, bodyEnd };
    fences.push(fence);
    const safe = segment.body.length > 0 ? safeLineStarts(family, body) : [];
    segment.body.forEach((line, i) => {
      // Before the first body line is the same cut as before the opening fence, which is already listed.
      if (safe[i] && i > 0 && wanted(offset, offset + line.length)) cuts.push({ at: offset, fence });
      offset += line.length + 1;
    });
    if (segment.close !== undefined) {
      fence.blockEnd = offset + segment.close.length;
      offset += segment.close.length + 1;
    }
  }
  cuts.push({ at: text.length, fence: undefined });
  return { cuts: cuts.filter((c) => c.at <= text.length), fences };
}

/**
 * A cut inside a line, for text without usable boundaries. Refused on fence lines, and inside code we strip comments
 * from: a cut there may fall inside a string, and the next pass would read the rest of the string as code.
 */
function rawCut(text: string, bytes: Buffer, byte: number, fences: readonly Fence[]): Cut | undefined {
  const at = bytes.subarray(0, byte).toString('utf8').length;
  const lineStart = text.lastIndexOf('\n', at - 1) + 1;
  if (!splitsCleanly(text.slice(lineStart, at + 6), at - lineStart)) return undefined;
  const fence = fences.find((f) => at >= f.blockStart && at <= f.blockEnd);
  if (!fence) return { at, fence: undefined };
  return fence.family || at <= fence.bodyStart || at >= fence.bodyEnd ? undefined : { at, fence };
}

/** Moves a byte offset to the start of a UTF-8 character (backwards with -1, forwards with 1). */
function charStart(bytes: Buffer, byte: number, direction: 1 | -1): number {
  let b = byte;
  while (b > 0 && b < bytes.length && (bytes[b]! & 0xc0) === 0x80) b += direction;
  return b;
}

function charToByteMapper(text: string): (char: number) => number {
  let lastChar = 0;
  let lastByte = 0;
  return (char) => {
    if (char < lastChar) {
      lastChar = 0;
      lastByte = 0;
    }
    lastByte += Buffer.byteLength(text.slice(lastChar, char), 'utf8');
    lastChar = char;
    return lastByte;
  };
}

/** How many tokens end at or before byte `b` or, with `startsBefore`, start before it. */
function upperBound(ends: Float64Array, b: number, startsBefore = false): number {
  let lo = 0;
  let hi = ends.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const start = mid === 0 ? 0 : ends[mid - 1]!;
    if (startsBefore ? start < b : ends[mid]! <= b) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
