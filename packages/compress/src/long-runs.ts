import { isPieceBoundary } from './piece-boundary.js';

/**
 * Finds the stretches of a text where tiktoken could make one long pre-tokenizer piece: its BPE is quadratic in the
 * bytes of a piece (10k letters without a space take 0.1 s, 100k take 9 s, 100k spaces 5.7 s, 60k U+3000 18 s, 2M
 * letters abort the WASM module). A piece is a run of whitespace, of letters and marks, or of other symbols followed
 * by line breaks and slashes (digits come three at a time), so a piece of `minBytes` UTF-8 bytes or more lies inside a
 * run of one of those classes that is at least that long. Returns character offsets.
 *
 * Runs restart wherever `splitBlocks` may cut the text (`isPieceBoundary`), so a text and its blocks agree on where
 * the runs are, and counting blocks stays exact.
 */
export function longRuns(text: string, minBytes: number): [start: number, end: number][] {
  const runs: [number, number][] = [];
  const n = text.length;
  if (n * 3 < minBytes) return runs;
  // Per class, where its current run started (-1: the previous character was not of that class) and its bytes.
  let space = -1;
  let letters = -1;
  let symbols = -1;
  let spaceBytes = 0;
  let letterBytes = 0;
  let symbolBytes = 0;
  let previous = 0;
  for (let i = 0; i < n; i++) {
    const code = text.charCodeAt(i);
    let kind: number;
    let bytes: number;
    if (code < 0x80) {
      kind = ASCII[code]!;
      bytes = 1;
    } else if (code >= 0xdc00 && code <= 0xdfff) {
      kind = previous; // the second half of a pair goes with the first
      bytes = 2;
    } else {
      kind = classOf(code >= 0xd800 && code <= 0xdbff ? text.codePointAt(i)! : code);
      bytes = code < 0x800 || code <= 0xdbff ? 2 : 3;
    }
    if (code !== 0x0a && isPieceBoundary(text, i)) {
      if (spaceBytes >= minBytes) add(runs, space, i);
      if (letterBytes >= minBytes) add(runs, letters, i);
      if (symbolBytes >= minBytes) add(runs, symbols, i);
      space = letters = symbols = -1;
      spaceBytes = letterBytes = symbolBytes = 0;
    }
    if (kind === SPACE || kind === NEWLINE) {
      if (space < 0) space = i;
      spaceBytes += bytes;
    } else if (space >= 0) {
      if (spaceBytes >= minBytes) add(runs, space, i);
      space = -1;
      spaceBytes = 0;
    }
    if (kind === LETTER) {
      if (letters < 0) letters = i;
      letterBytes += bytes;
    } else if (letters >= 0) {
      if (letterBytes >= minBytes) add(runs, letters, i);
      letters = -1;
      letterBytes = 0;
    }
    if (kind === SYMBOL || kind === NEWLINE) {
      if (symbols < 0) symbols = i;
      symbolBytes += bytes;
    } else if (symbols >= 0) {
      if (symbolBytes >= minBytes) add(runs, symbols, i);
      symbols = -1;
      symbolBytes = 0;
    }
    previous = kind;
  }
  if (spaceBytes >= minBytes) add(runs, space, n);
  if (letterBytes >= minBytes) add(runs, letters, n);
  if (symbolBytes >= minBytes) add(runs, symbols, n);
  return runs;
}

const SPACE = 1;
const NEWLINE = 2;
const LETTER = 3;
const DIGIT = 4;
const SYMBOL = 5;

// ASCII classes by table; other characters are classified once each and remembered.
const ASCII = new Uint8Array(128).map((_, c) => {
  if (c === 10 || c === 13) return NEWLINE;
  if (c === 32 || (c >= 9 && c <= 13)) return SPACE;
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) return LETTER;
  if (c >= 48 && c <= 57) return DIGIT;
  return SYMBOL;
});
const seen = new Map<number, number>();
const WHITE_SPACE = /^[\s\u0085]$/u;
const LETTER_OR_MARK = /^[\p{L}\p{M}]$/u;
const NUMBER = /^\p{N}$/u;

function classOf(code: number): number {
  if (code < 128) return ASCII[code]!;
  let kind = seen.get(code);
  if (kind === undefined) {
    const char = String.fromCodePoint(code);
    kind = WHITE_SPACE.test(char) ? SPACE : LETTER_OR_MARK.test(char) ? LETTER : NUMBER.test(char) ? DIGIT : SYMBOL;
    // Bounded: a text of a million distinct characters must not grow this without end.
    if (seen.size < 65_536) seen.set(code, kind);
  }
  return kind;
}

function add(runs: [number, number][], start: number, end: number): void {
  // Runs of two classes overlap where line breaks are both space and the tail of a symbol piece: merge them.
  while (runs.length > 0 && start < runs[runs.length - 1]![1]) {
    const last = runs.pop()!;
    start = Math.min(start, last[0]);
    end = Math.max(end, last[1]);
  }
  runs.push([start, end]);
}
