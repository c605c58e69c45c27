import type { Segment } from './fences.js';
import { collapseBlankLines } from './whitespace.js';

/** Shorter lines (list markers, `---`, short headings) repeat on purpose; only longer ones count as duplicates. */
export const MIN_DUPLICATE_LINE_CHARS = 24;

const normalize = (s: string): string => s.trim().replace(/\s+/g, ' ');

/**
 * Drops prose lines and paragraphs that already appeared earlier in the prose, keeping the first occurrence. Code is
 * never touched: repeated lines there (`}`, `return`) are meaningful. Lines go first, then paragraphs, so that a
 * second pass finds nothing more to remove.
 */
export function removeDuplicates(segments: readonly Segment[]): Segment[] {
  const seenLines = new Set<string>();
  const byLine = segments.map((s): Segment => {
    if (s.kind !== 'prose') return s;
    const lines = s.lines.filter((line) => {
      const key = normalize(line);
      if (key.length < MIN_DUPLICATE_LINE_CHARS) return true;
      if (seenLines.has(key)) return false;
      seenLines.add(key);
      return true;
    });
    return { kind: 'prose', lines: collapseBlankLines(lines) };
  });

  const seenParagraphs = new Set<string>();
  return byLine.map((s): Segment => {
    if (s.kind !== 'prose') return s;
    const out: string[] = [];
    let paragraph: string[] = [];
    const flush = (): void => {
      if (paragraph.length === 0) return;
      const key = paragraph.map(normalize).join('\n');
      if (!seenParagraphs.has(key)) {
        seenParagraphs.add(key);
        out.push(...paragraph);
      }
      paragraph = [];
    };
    for (const line of s.lines) {
      if (line.trim() === '') {
        flush();
        out.push(line);
      } else paragraph.push(line);
    }
    flush();
    return { kind: 'prose', lines: collapseBlankLines(out) };
  });
}
