import { scan, type LanguageFamily, type Span } from './code-lexer.js';

/**
 * Removes comments and blank lines from code, leaving every string literal and every other token as written and every
 * kept line's indentation unchanged. Blank lines inside multi-line strings stay.
 */
export function stripComments(family: LanguageFamily, code: string): string {
  const spans = scan(family, code).sort((a, b) => a.start - b.start);
  const insideKept = newlinesInside(code, spans, (s) => s.kind !== 'comment');
  let out = '';
  // Output offsets of newlines that belong to a string or a kept comment: the line after them must stay.
  const protectedNewlines = new Set<number>();
  const copy = (from: number, to: number): void => {
    for (let k = code.indexOf('\n', from); k !== -1 && k < to; k = code.indexOf('\n', k + 1)) {
      if (insideKept.has(k)) protectedNewlines.add(out.length + (k - from));
    }
    out += code.slice(from, to);
  };
  // Scans back from the end: a regex anchored with `$` would rescan the whole output for every comment.
  const blankTail = (): number => {
    let k = out.length;
    while (k > 0 && (out[k - 1] === ' ' || out[k - 1] === '\t')) k--;
    return k;
  };
  const trimEnd = (): void => {
    out = out.slice(0, blankTail());
  };
  let pos = 0;
  for (const span of spans) {
    if (span.kind !== 'comment' || span.start < pos) continue;
    copy(pos, span.start);
    pos = span.end;
    const text = code.slice(span.start, span.end);
    const tail = blankTail();
    const lineStart = tail === 0 || out[tail - 1] === '\n';
    if (text.startsWith('/*') && text.includes('\n')) {
      // A multi-line comment is a line break to JavaScript's semicolon insertion: keep one.
      trimEnd();
      out += '\n';
      while (code[pos] === ' ' || code[pos] === '\t') pos++;
    } else if (text.startsWith('/*')) {
      if (lineStart || tail < out.length) {
        while (code[pos] === ' ' || code[pos] === '\t') pos++;
      } else if (pos < code.length && !/\s/.test(code[pos]!)) out += ' ';
      if (pos === code.length || code[pos] === '\n' || code[pos] === '\r') trimEnd();
    } else trimEnd();
  }
  copy(pos, code.length);

  const lines = out.split('\n');
  const kept: string[] = [];
  let offset = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const insideString = i > 0 && protectedNewlines.has(offset - 1);
    if (insideString || line.trim() !== '') kept.push(line);
    offset += line.length + 1;
  }
  return kept.join('\n');
}

/** For each line of `code`, whether it starts outside any string or comment, so cutting before it is safe. */
export function safeLineStarts(family: LanguageFamily | undefined, code: string): boolean[] {
  const unsafe = family ? newlinesInside(code, scan(family, code), () => true) : new Set<number>();
  const safe: boolean[] = [true];
  for (let k = code.indexOf('\n'); k !== -1; k = code.indexOf('\n', k + 1)) safe.push(!unsafe.has(k));
  return safe;
}

function newlinesInside(code: string, spans: readonly Span[], include: (span: Span) => boolean): Set<number> {
  const found = new Set<number>();
  for (const span of spans) {
    if (!include(span)) continue;
    for (let k = code.indexOf('\n', span.start); k !== -1 && k < span.end; k = code.indexOf('\n', k + 1)) found.add(k);
  }
  return found;
}
