/** A run of prose lines, or one fenced code block with its fence lines kept verbatim. */
export type Segment =
  | { kind: 'prose'; lines: string[] }
  | { kind: 'code'; open: string; lang: string; body: string[]; close: string | undefined };

const OPEN = /^ {0,3}(`{3,}|~{3,})([^`]*)$/;

/** Splits markdown into prose and fenced code (CommonMark rules: an unclosed fence runs to the end). */
export function splitFences(text: string): Segment[] {
  const lines = text.split('\n');
  const segments: Segment[] = [];
  let prose: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const open = mayOpenFence(line) ? OPEN.exec(line) : null;
    if (!open) {
      prose.push(line);
      continue;
    }
    const fence = open[1]!;
    const close = new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}[ \\t\\r]*$`);
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !close.test(lines[j]!)) body.push(lines[j++]!);
    if (prose.length > 0) segments.push({ kind: 'prose', lines: prose });
    prose = [];
    segments.push({
      kind: 'code',
      open: line,
      lang: (open[2]!.trim().split(/\s+/)[0] ?? '').toLowerCase(),
      body,
      close: j < lines.length ? lines[j] : undefined,
    });
    i = j;
  }
  if (prose.length > 0 || segments.length === 0) segments.push({ kind: 'prose', lines: prose });
  return segments;
}

/** A cheap test before the regex: a fence line starts with at most 3 spaces and then ` or ~. */
function mayOpenFence(line: string): boolean {
  let i = 0;
  while (i < 3 && line.charCodeAt(i) === 32) i++;
  const c = line.charCodeAt(i);
  return c === 96 || c === 126;
}

export function joinSegments(segments: readonly Segment[]): string {
  // Spreading a segment's lines into push() overflows the stack for a few hundred thousand lines.
  const lines: string[] = [];
  for (const s of segments) {
    if (s.kind === 'prose') {
      for (const line of s.lines) lines.push(line);
    } else {
      lines.push(s.open);
      for (const line of s.body) lines.push(line);
      if (s.close !== undefined) lines.push(s.close);
    }
  }
  return lines.join('\n');
}
