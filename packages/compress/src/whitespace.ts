// A line without any of these comes out of collapseWhitespace unchanged.
const MAY_CHANGE = /[\t\r]| {2}| $/;

/**
 * Prose only: trailing spaces go, runs of spaces and tabs inside a line become one space, and runs of blank lines
 * become one. Leading indentation stays, because markdown lists and indented code depend on it. Returns `lines`
 * itself when nothing changed, so the caller can skip rebuilding the text.
 */
export function collapseWhitespace(lines: readonly string[]): readonly string[] {
  const out: string[] = [];
  let changed = false;
  for (const raw of lines) {
    if (raw !== '' && !MAY_CHANGE.test(raw)) {
      out.push(raw);
      continue;
    }
    const line = raw.replace(/\r$/, '');
    const indent = /^[ \t]*/.exec(line)![0];
    const rest = line.slice(indent.length).replace(/[ \t]+/g, ' ').trimEnd();
    const kept = rest === '' ? (out.length > 0 && out[out.length - 1] !== '' ? '' : undefined) : indent + rest;
    if (kept !== undefined) out.push(kept);
    // An empty line kept as it was (a single blank line, or the one a final line break leaves) is no change.
    if (kept !== raw) changed = true;
  }
  return changed ? out : lines;
}

/** Blank-line runs collapsed to one and none at the start, as {@link collapseWhitespace} leaves them. */
export function collapseBlankLines(lines: readonly string[]): string[] {
  const out: string[] = [];
  for (const line of lines) {
    if (line.trim() === '' && (out.length === 0 || out[out.length - 1]!.trim() === '')) continue;
    out.push(line);
  }
  return out;
}
