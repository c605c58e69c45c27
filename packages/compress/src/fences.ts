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
    const open = OPEN.exec(line);
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

export function joinSegments(segments: readonly Segment[]): string {
  const lines: string[] = [];
  for (const s of segments) {
    if (s.kind === 'prose') lines.push(...s.lines);
    else {
      lines.push(s.open, ...s.body);
      if (s.close !== undefined) lines.push(s.close);
    }
  }
  return lines.join('\n');
}
