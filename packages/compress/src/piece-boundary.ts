/**
 * Whether tiktoken's pre-tokenizer ends a piece at `p` whatever comes before the line break at `p - 1`: the pieces of
 * the text before `p` and after it are then those of each part on its own, so token counts add up across `p`.
 *
 * True when `p` starts a line that has a character other than whitespace, does not start with `/` (o200k_base glues
 * line breaks and slashes to the symbols before them), and has no carriage return in its indentation (a run of
 * whitespace ending in a line break would swallow it). Both encodings' patterns agree on this; a property test checks
 * it on random texts. Doubtful characters (U+0085, U+FEFF, controls) count as whitespace, which only means fewer cuts.
 */
export function isPieceBoundary(text: string, p: number): boolean {
  if (p <= 0 || p >= text.length || text.charCodeAt(p - 1) !== 0x0a || text.charCodeAt(p) === 0x2f) return false;
  for (let i = p; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x0a || code === 0x0d) return false;
    if (!isSpaceLike(code)) return true;
  }
  return false;
}

function isSpaceLike(code: number): boolean {
  if (code <= 0x20) return true;
  if (code < 0x7f) return false;
  return code === 0x85 || /\s/.test(String.fromCharCode(code));
}
