import { stripComments } from './code-comments.js';
import { languageFamily } from './code-lexer.js';
import { removeDuplicates } from './dedupe.js';
import { joinSegments, splitFences, type Segment } from './fences.js';
import type { Technique } from './prompt-compressor-options.js';
import { collapseWhitespace } from './whitespace.js';

/** A technique over segments; it returns a segment itself when it left it unchanged. */
type Pass = (segments: readonly Segment[]) => Segment[];

const PASSES: readonly [Technique, Pass][] = [
  [
    'whitespace',
    (segments) =>
      segments.map((s) => {
        if (s.kind !== 'prose') return s;
        const lines = collapseWhitespace(s.lines);
        return lines === s.lines ? s : { kind: 'prose', lines: lines as string[] };
      }),
  ],
  [
    'code',
    (segments) =>
      segments.map((s) => {
        const family = s.kind === 'code' ? languageFamily(s.lang) : undefined;
        if (s.kind !== 'code' || !family || s.body.length === 0) return s;
        const body = s.body.join('\n');
        const code = stripComments(family, body);
        return code === body ? s : { ...s, body: code === '' ? [] : code.split('\n') };
      }),
  ],
  ['dedupe', removeDuplicates],
];

/**
 * Runs the content-keeping techniques cheapest first, counting after each, and stops as soon as the text is at or
 * under `target` tokens.
 */
export function compressLossless(
  text: string,
  tokens: number,
  target: number,
  count: (text: string) => number,
): { text: string; tokens: number; techniques: Technique[] } {
  const techniques: Technique[] = [];
  let segments = splitFences(text);
  let current = text;
  let currentTokens = tokens;
  for (const [technique, pass] of PASSES) {
    if (currentTokens <= target) break;
    const passed = pass(segments);
    if (passed.every((s, i) => s === segments[i])) continue;
    segments = passed;
    const next = joinSegments(segments);
    if (next === current) continue;
    current = next;
    currentTokens = count(next);
    techniques.push(technique);
  }
  return { text: current, tokens: currentTokens, techniques };
}
