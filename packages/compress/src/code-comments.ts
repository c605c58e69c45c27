import { scan, type LanguageFamily, type Span } from './code-lexer.js';

/**
 * Removes comments and blank lines from code, leaving every string literal and every other token as written and every
 * kept line's indentation unchanged. Blank lines inside multi-line strings stay.
 */
export function stripComments(family: LanguageFamily, code: string): string {
  const spans = scan(family, code).sort((a, b) => a.start - b.start);
  const insideKept = newlinesInside(code, spans, (s) => s.kind !== 'comment');
  const out = new Output();
  // Output offsets of newlines that belong to a string or a kept comment: the line after them must stay.
  const protectedNewlines = new Set<number>();
  const copy = (from: number, to: number): void => {
    for (let k = code.indexOf('\n', from); k !== -1 && k < to; k = code.indexOf('\n', k + 1)) {
      if (insideKept.has(k)) protectedNewlines.add(out.length + (k - from));
    }
    out.append(code.slice(from, to));
  };
  let pos = 0;
  for (const span of spans) {
    if (span.kind !== 'comment' || span.start < pos) continue;
    copy(pos, span.start);
    pos = span.end;
    const block = code.startsWith('/*', span.start);
    const blanks = out.trailingBlanks();
    const lineStart = out.charBefore(blanks) === '\n';
    if (block && code.lastIndexOf('\n', span.end - 1) >= span.start) {
      // A multi-line comment is a line break to JavaScript's semicolon insertion: keep one.
      out.trimEnd();
      out.append('\n');
      while (code[pos] === ' ' || code[pos] === '\t') pos++;
    } else if (block) {
      if (lineStart || blanks > 0) {
        while (code[pos] === ' ' || code[pos] === '\t') pos++;
      } else if (pos < code.length && !/\s/.test(code[pos]!)) out.append(' ');
      if (pos === code.length || code[pos] === '\n' || code[pos] === '\r') out.trimEnd();
    } else out.trimEnd();
  }
  copy(pos, code.length);

  const lines = out.toString().split('\n');
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

/**
 * The code being rebuilt, as parts: appending to one long string and then reading or cutting its end flattens the
 * whole string each time, which made a megabyte of commented code take minutes.
 */
class Output {
  #parts: string[] = [];
  length = 0;

  append(text: string): void {
    if (text === '') return;
    this.#parts.push(text);
    this.length += text.length;
  }

  /** Spaces and tabs at the end. */
  trailingBlanks(): number {
    let count = 0;
    for (let p = this.#parts.length - 1; p >= 0; p--) {
      const part = this.#parts[p]!;
      let k = part.length;
      while (k > 0 && (part[k - 1] === ' ' || part[k - 1] === '\t')) k--;
      count += part.length - k;
      if (k > 0) break;
    }
    return count;
  }

  /** The character before the last `skip` characters, `'\n'` at the start (a comment there starts a line). */
  charBefore(skip: number): string {
    for (let p = this.#parts.length - 1; p >= 0; p--) {
      const part = this.#parts[p]!;
      if (skip < part.length) return part[part.length - 1 - skip]!;
      skip -= part.length;
    }
    return '\n';
  }

  trimEnd(): void {
    while (this.#parts.length > 0) {
      const last = this.#parts[this.#parts.length - 1]!;
      let k = last.length;
      while (k > 0 && (last[k - 1] === ' ' || last[k - 1] === '\t')) k--;
      this.length -= last.length - k;
      if (k > 0) {
        this.#parts[this.#parts.length - 1] = last.slice(0, k);
        return;
      }
      this.#parts.pop();
    }
  }

  toString(): string {
    return this.#parts.join('');
  }
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
