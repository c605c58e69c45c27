// Words that carry no lesson: without them BM25 stops rewarding a memory for sharing "the", "when" or "use" with a
// task. Kept short on purpose: "not", "no", "before" and "after" change what a lesson says, so they stay.
const STOP_WORDS = new Set(
  (
    'a an and are as at be by for from has have in into is it its of on or that the their them then there these this ' +
    'those to was were will with when which while who what where how do does doing you your we our i me my so than ' +
    'can could should would may might must use used using'
  ).split(' '),
);

/** Lower-cased words and numbers, stop words dropped, a plural `s` trimmed so "indexes"/"index" and "tests"/"test" meet. */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const match of text.toLowerCase().matchAll(/[\p{L}\p{N}_]+/gu)) {
    const word = match[0];
    if (STOP_WORDS.has(word)) continue;
    out.push(stem(word));
  }
  return out;
}

function stem(word: string): string {
  if (word.length <= 3 || /\d/.test(word)) return word;
  if (word.endsWith('ies') && word.length > 4) return `${word.slice(0, -3)}y`;
  if (word.endsWith('es') && /(ss|x|ch|sh)es$/.test(word)) return word.slice(0, -2);
  if (word.endsWith('s') && !word.endsWith('ss') && !word.endsWith('us') && !word.endsWith('is')) return word.slice(0, -1);
  return word;
}
