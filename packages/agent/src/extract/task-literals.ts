import type { ExtractedMemory } from './memory-item-schemas.js';

// What counts as a task-specific string: the paper asks memory items not to embed names, queries or literal strings
// of the task, so that a lesson transfers. Short or common quoted words (`null`, `async`) are not specific.
const QUOTED = /(["'`])([^"'`\n]{3,200})\1/g;
const URL_LIKE = /\bhttps?:\/\/[^\s"'`<>)]+/gi;
const PATH_LIKE = /(?:^|[\s(])((?:[\w.-]+\/)+[\w.-]+\.\w{1,8})\b/g;
const LONG_NUMBER = /\b\d{4,}\b/g;

/** The strings of `task` a memory item must not quote. */
export function taskLiterals(task: string): string[] {
  const found = new Set<string>();
  for (const m of task.matchAll(QUOTED)) {
    const value = m[2]!.trim();
    if (value.length >= 6 || /[^A-Za-z]/.test(value)) found.add(value);
  }
  for (const m of task.matchAll(URL_LIKE)) found.add(m[0]);
  for (const m of task.matchAll(PATH_LIKE)) found.add(m[1]!);
  for (const m of task.matchAll(LONG_NUMBER)) found.add(m[0]);
  return [...found].filter((value) => value.trim().length >= 3);
}

/** For each item, the task literals it quotes (case-insensitive). */
export function quotedLiterals(item: ExtractedMemory, literals: readonly string[]): string[] {
  if (literals.length === 0) return [];
  const ec = item.errorContext;
  const haystack = [item.title, item.description, item.content, ec?.errorType, ec?.failurePattern, ec?.correctiveGuidance]
    .filter(Boolean)
    .join('\n')
    .toLowerCase();
  return literals.filter((literal) => haystack.includes(literal.toLowerCase()));
}

/** The complaints about `items` quoting the task, for the repair prompt. */
export function literalIssues(items: readonly ExtractedMemory[], literals: readonly string[]): string[] {
  const issues: string[] = [];
  items.forEach((item, i) => {
    const quoted = quotedLiterals(item, literals);
    if (quoted.length > 0) {
      issues.push(`items[${i}] quotes this task (${quoted.map((q) => JSON.stringify(q.slice(0, 60))).join(', ')}); say it in general terms so it transfers to other tasks`);
    }
  });
  return issues;
}
