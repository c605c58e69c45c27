import { isDirective } from './directives.js';

/** Languages whose comments we can remove safely; any other fence is left alone. */
export type LanguageFamily = 'js' | 'python' | 'shell' | 'c';

const FAMILIES: Record<string, LanguageFamily> = {};
for (const tag of ['js', 'javascript', 'jsx', 'mjs', 'cjs', 'ts', 'typescript', 'tsx', 'mts', 'cts']) FAMILIES[tag] = 'js';
for (const tag of ['py', 'python', 'python3', 'py3']) FAMILIES[tag] = 'python';
for (const tag of ['sh', 'bash', 'shell', 'zsh', 'ksh']) FAMILIES[tag] = 'shell';
for (const tag of ['c', 'h', 'cpp', 'c++', 'cc', 'cxx', 'hpp', 'java', 'cs', 'csharp', 'c#', 'go', 'golang', 'rust', 'rs', 'kotlin', 'kt', 'swift', 'scala', 'dart']) {
  FAMILIES[tag] = 'c';
}

export function languageFamily(tag: string): LanguageFamily | undefined {
  return Object.hasOwn(FAMILIES, tag) ? FAMILIES[tag] : undefined;
}

/** A range of the source: a string literal, a removable comment, or a comment that must stay (a directive). */
export interface Span {
  start: number;
  end: number;
  kind: 'string' | 'comment' | 'kept';
}

const IDENT = /[\w$]/;
const AFTER_TOKEN = -2;
// Characters after which a `/` starts a regex literal rather than a division.
const REGEX_AFTER = new Set([...'(,=:[!&|?{};+-*%<>~^'].map((c) => c.charCodeAt(0)));

function isIdent(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 95 || code === 36;
}

function isSpace(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13) || (code > 127 && /\s/.test(String.fromCharCode(code)));
}
const REGEX_AFTER_WORD = new Set(['return', 'typeof', 'case', 'do', 'else', 'in', 'of', 'new', 'delete', 'void', 'throw', 'instanceof', 'yield', 'await']);
const URL_SCHEME_BEFORE = /[a-zA-Z][\w+.-]*:$/;

/** Finds string literals and comments; everything else is code. Never throws: unterminated tokens run to the end. */
export function scan(family: LanguageFamily, code: string): Span[] {
  const spans: Span[] = [];
  const n = code.length;
  const lineEnd = (i: number): number => {
    const k = code.indexOf('\n', i);
    return k === -1 ? n : k;
  };
  const lineComment = (i: number): number => {
    const end = lineEnd(i);
    const keep = isDirective(code.slice(i, end)) || (i === 0 && code.startsWith('#!'));
    spans.push({ start: i, end, kind: keep ? 'kept' : 'comment' });
    return end;
  };
  const blockComment = (i: number): number => {
    const k = code.indexOf('*/', i + 2);
    const end = k === -1 ? n : k + 2;
    spans.push({ start: i, end, kind: isDirective(code.slice(i, end)) ? 'kept' : 'comment' });
    return end;
  };
  // A quoted string with backslash escapes; `multiline` false stops at an unescaped newline, as JS and Python do.
  const quoted = (i: number, quote: string, multiline: boolean, escapes = true): number => {
    let j = i + quote.length;
    while (j < n) {
      const c = code[j]!;
      if (escapes && c === '\\') j += 2;
      else if (code.startsWith(quote, j)) {
        j += quote.length;
        break;
      } else if (c === '\n' && !multiline) break;
      else j++;
    }
    const end = Math.min(j, n);
    spans.push({ start: i, end, kind: 'string' });
    return end;
  };
  const until = (i: number, from: number, terminator: string): number => {
    const k = code.indexOf(terminator, from);
    const end = k === -1 ? n : k + terminator.length;
    spans.push({ start: i, end, kind: 'string' });
    return end;
  };

  if (family === 'python') {
    for (let i = 0; i < n; ) {
      const c = code[i]!;
      if (c === '#') i = lineComment(i);
      else if (c === '"' || c === "'") {
        const triple = c.repeat(3);
        i = code.startsWith(triple, i) ? quoted(i, triple, true) : quoted(i, c, false);
      } else i++;
    }
    return spans;
  }

  if (family === 'shell') {
    let heredocs: { delimiter: string; tabs: boolean }[] = [];
    for (let i = 0; i < n; ) {
      const c = code[i]!;
      const prev = i === 0 ? '\n' : code[i - 1]!;
      if (c === '\\') i += 2;
      else if (c === '#' && /[\s;&|()<>]/.test(prev)) i = lineComment(i);
      else if (c === "'") i = prev === '$' ? quoted(i, "'", true) : quoted(i, "'", true, false);
      else if (c === '"') i = quoted(i, '"', true);
      else if (c === '<' && code.startsWith('<<', i) && code[i + 2] !== '<') {
        const m = /^<<(-?)[ \t]*(?:'([^'\n]+)'|"([^"\n]+)"|([\w.-]+))/.exec(code.slice(i, i + 200));
        if (m) heredocs.push({ delimiter: m[2] ?? m[3] ?? m[4]!, tabs: m[1] === '-' });
        i += m ? m[0].length : 2;
      } else if (c === '\n' && heredocs.length > 0) {
        // Each body runs from the newline before its first line to the end of its delimiter line, so a blank first
        // line is content and the newline after the delimiter is code again.
        let j = i;
        for (const { delimiter, tabs } of heredocs) {
          const start = j;
          let line = '';
          do {
            const from = j + 1;
            j = from >= n ? n : lineEnd(from);
            line = code.slice(from, j);
          } while (j < n && (tabs ? line.replace(/^\t+/, '') : line).replace(/\r$/, '') !== delimiter);
          spans.push({ start, end: j, kind: 'string' });
        }
        heredocs = [];
        i = j;
      } else i++;
    }
    return spans;
  }

  if (family === 'c') {
    for (let i = 0; i < n; ) {
      const c = code[i]!;
      if (c === '#' && /^[ \t]*$/.test(code.slice(code.lastIndexOf('\n', i - 1) + 1, i)) && /^#\s*(include|import)\b/.test(code.slice(i, i + 20))) {
        // `#include <a//b.h>` is not a comment: the whole line is left as written.
        const end = lineEnd(i);
        spans.push({ start: i, end, kind: 'kept' });
        i = end;
      } else if (c === '/' && code[i + 1] === '/' && !URL_SCHEME_BEFORE.test(code.slice(Math.max(0, i - 30), i))) {
        i = lineComment(i);
      } else if (c === '/' && code[i + 1] === '*') i = blockComment(i);
      else if (c === '"') {
        const before = code.slice(Math.max(0, i - 24), i);
        const rust = /(?:^|[^\w])b?r(#*)$/.exec(before);
        const cpp = /(?:^|[^\w])(?:u8|u|U|L)?R$/.test(before) ? /^"([^()\\\s]{0,16})\(/.exec(code.slice(i, i + 20)) : null;
        if (cpp) i = until(i, i + cpp[0].length, `)${cpp[1]}"`);
        else if (rust) i = until(i, i + 1, `"${rust[1]}`);
        else if (before.endsWith('@')) {
          let j = i + 1;
          while (j < n && !(code[j] === '"' && code[j + 1] !== '"')) j += code[j] === '"' ? 2 : 1;
          spans.push({ start: i, end: Math.min(j + 1, n), kind: 'string' });
          i = Math.min(j + 1, n);
        } else i = quoted(i, '"', true);
      } else if (c === "'") {
        // A char literal only when it closes on the same line; otherwise a Rust lifetime or a Swift/Kotlin oddity.
        const m = /'(?:\\(?:u\{[0-9a-fA-F]{1,6}\}|x[0-9a-fA-F]{1,4}|u[0-9a-fA-F]{4}|[0-7]{1,3}|[^\n])|[^\\'\n])'/y;
        m.lastIndex = i;
        if (m.test(code)) {
          spans.push({ start: i, end: m.lastIndex, kind: 'string' });
          i = m.lastIndex;
        } else i++;
      } else if (c === '`') i = until(i, i + 1, '`');
      else i++;
    }
    return spans;
  }

  // JavaScript / TypeScript, with template literals nesting code in `${}` and regex literals.
  // The last character that was not whitespace (-1: none yet), or AFTER_TOKEN after a string, template or regex.
  let last = -1;
  let lastAt = -1;
  const regexAllowed = (): boolean => {
    if (last === -1) return true;
    if (last === AFTER_TOKEN) return false;
    if (REGEX_AFTER.has(last)) return true;
    if (!isIdent(last)) return false;
    let from = lastAt;
    while (from > 0 && isIdent(code.charCodeAt(from - 1))) from--;
    return REGEX_AFTER_WORD.has(code.slice(from, lastAt + 1));
  };
  const codeUntilBrace = (from: number): number => {
    let depth = 0;
    let i = from;
    while (i < n) {
      const c = code[i]!;
      if (c === '}' && depth === 0) return i + 1;
      if (c === '{') depth++;
      else if (c === '}') depth--;
      i = step(i);
    }
    return n;
  };
  const template = (start: number): number => {
    let j = start + 1;
    while (j < n) {
      const c = code[j]!;
      if (c === '\\') j += 2;
      else if (c === '`') {
        j++;
        break;
      } else if (c === '$' && code[j + 1] === '{') j = codeUntilBrace(j + 2);
      else j++;
    }
    const end = Math.min(j, n);
    spans.push({ start, end, kind: 'string' });
    return end;
  };
  const regex = (start: number): number => {
    let j = start + 1;
    let inClass = false;
    while (j < n) {
      const c = code[j]!;
      if (c === '\n') return -1;
      if (c === '\\') j += 2;
      else if (c === '[' || c === ']') {
        inClass = c === '[';
        j++;
      } else if (c === '/' && !inClass) {
        j++;
        while (j < n && IDENT.test(code[j]!)) j++;
        spans.push({ start, end: j, kind: 'string' });
        return j;
      } else j++;
    }
    return -1;
  };
  function step(i: number): number {
    const c = code[i]!;
    if (c === '/' && code[i + 1] === '/' && !URL_SCHEME_BEFORE.test(code.slice(Math.max(0, i - 30), i))) return lineComment(i);
    if (c === '/' && code[i + 1] === '*') return blockComment(i);
    let next = -1;
    if (c === '"' || c === "'") next = quoted(i, c, false);
    else if (c === '`') next = template(i);
    else if (c === '/' && regexAllowed()) next = regex(i);
    if (next === -1) {
      const k = code.charCodeAt(i);
      if (!isSpace(k)) {
        last = k;
        lastAt = i;
      }
      return i + 1;
    }
    last = AFTER_TOKEN;
    return next;
  }
  for (let i = 0; i < n; ) i = step(i);
  return spans;
}
