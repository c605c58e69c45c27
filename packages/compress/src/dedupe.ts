import type { Segment } from './fences.js';
import { collapseBlankLines } from './whitespace.js';

/** Shorter lines (list markers, `---`, short headings) repeat on purpose; only longer ones count as duplicates. */
export const MIN_DUPLICATE_LINE_CHARS = 24;

const normalize = (s: string): string => s.trim().replace(/\s+/g, ' ');

/**
 * Drops prose lines and paragraphs that already appeared earlier in the prose, keeping the first occurrence. Code is
 * never touched: repeated lines there (`}`, `return`) are meaningful. Lines go first, then paragraphs, so that a
 * second pass finds nothing more to remove. A segment left unchanged is returned as it was.
 */
export function removeDuplicates(segments: readonly Segment[]): Segment[] {
  const seenLines = new Set<string>();
  const byLine = segments.map((s): Segment => {
    if (s.kind !== 'prose') return s;
    let dropped = false;
    const lines = s.lines.filter((line) => {
      // Normalising never lengthens a line: a short one needs no key.
      if (line.length < MIN_DUPLICATE_LINE_CHARS) return true;
      const key = normalize(line);
      if (key.length < MIN_DUPLICATE_LINE_CHARS) return true;
      if (seenLines.has(key)) {
        dropped = true;
        return false;
      }
      seenLines.add(key);
      return true;
    });
    return dropped ? { kind: 'prose', lines: collapseBlankLines(lines) } : s;
  });

  const seenParagraphs = new Set<string>();
  return byLine.map((s): Segment => {
    if (s.kind !== 'prose') return s;
    const out: string[] = [];
    let dropped = false;
    let paragraph: string[] = [];
    const flush = (): void => {
      if (paragraph.length === 0) return;
      const key = paragraph.map(normalize).join('\n');
      if (seenParagraphs.has(key)) dropped = true;
      else {
        seenParagraphs.add(key);
        for (const line of paragraph) out.push(line);
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
    return dropped ? { kind: 'prose', lines: collapseBlankLines(out) } : s;
  });
}
