import { CompressError, PinnedOverBudgetError } from './errors.js';
import type { CompressionReport, Technique } from './prompt-compressor-options.js';

/** One part of a structured prompt (system, memories, task, previous attempt, feedback). */
export interface PromptSection {
  /** Unique among the sections; names the section in the result. */
  name: string;
  text: string;
  /** Higher is more important: lower-priority sections are shortened or dropped first. Defaults to `0`. */
  priority?: number;
  /** A pinned section is never changed or dropped (the task, the output format). Defaults to `false`. */
  pinned?: boolean;
}

/** What happened to one section. */
export interface SectionOutcome {
  name: string;
  originalTokens: number;
  /** Tokens of the section alone; `0` when dropped. */
  finalTokens: number;
  action: 'kept' | 'compressed' | 'truncated' | 'dropped';
}

/** The output of `compressSections`: the sections joined by a blank line, in their original order. */
export interface SectionsResult {
  text: string;
  report: CompressionReport;
  sections: SectionOutcome[];
}

/** A section that would get fewer tokens than this is dropped rather than cut to a stub. */
export const MIN_SECTION_TOKENS = 32;

export const SECTION_SEPARATOR = '\n\n';

interface Compressed {
  text: string;
  techniques: Technique[];
}

interface SectionTools {
  count: (text: string) => number;
  /** The content-keeping techniques, all of them. */
  squeeze: (text: string) => Compressed;
  /** Everything, down to at most `tokens`. */
  shrink: (text: string, tokens: number) => Compressed;
}

export function fitSections(sections: readonly PromptSection[], budget: number, tools: SectionTools): SectionsResult {
  validate(sections);
  const { count } = tools;
  const texts: (string | undefined)[] = sections.map((s) => s.text);
  const actions: SectionOutcome['action'][] = sections.map(() => 'kept');
  const techniques = new Set<Technique>();
  const joined = (): string => texts.filter((t): t is string => t !== undefined && t !== '').join(SECTION_SEPARATOR);
  const originalTokens = count(joined());
  let total = originalTokens;

  if (total > budget) {
    const pinnedTokens = count(sections.filter((s) => s.pinned && s.text !== '').map((s) => s.text).join(SECTION_SEPARATOR));
    if (pinnedTokens > budget) throw new PinnedOverBudgetError({ pinnedTokens, budget });
  }
  const order = sections
    .map((s, i) => ({ i, priority: s.priority ?? 0, pinned: s.pinned ?? false }))
    .filter((s) => !s.pinned)
    .sort((a, b) => a.priority - b.priority || b.i - a.i)
    .map((s) => s.i);

  for (const i of order) {
    if (total <= budget) break;
    const squeezed = tools.squeeze(texts[i]!);
    if (squeezed.text === texts[i]) continue;
    texts[i] = squeezed.text;
    actions[i] = 'compressed';
    squeezed.techniques.forEach((t) => techniques.add(t));
    total = count(joined());
  }

  for (const i of order) {
    if (total <= budget) break;
    const own = texts[i]!;
    texts[i] = undefined;
    const without = count(joined());
    // The separator and the tokens that merge across it are what the section costs beyond its own count.
    let allowance = budget - without - (without === 0 ? 0 : count(SECTION_SEPARATOR));
    for (let attempt = 0; attempt < 4 && allowance >= MIN_SECTION_TOKENS; attempt++) {
      const shrunk = tools.shrink(own, allowance);
      texts[i] = shrunk.text;
      total = count(joined());
      if (total <= budget) {
        actions[i] = 'truncated';
        shrunk.techniques.forEach((t) => techniques.add(t));
        break;
      }
      allowance -= total - budget;
      texts[i] = undefined;
    }
    if (texts[i] === undefined) {
      actions[i] = 'dropped';
      techniques.add('drop');
      total = without;
    }
  }

  const finalTokens = count(joined());
  return {
    text: joined(),
    report: {
      originalTokens,
      finalTokens,
      reduction: originalTokens === 0 ? 0 : 1 - finalTokens / originalTokens,
      techniques: [...techniques],
    },
    sections: sections.map((s, i) => ({
      name: s.name,
      originalTokens: count(s.text),
      finalTokens: texts[i] === undefined ? 0 : count(texts[i]!),
      action: actions[i]!,
    })),
  };
}

function validate(sections: readonly PromptSection[]): void {
  if (!Array.isArray(sections)) invalid('sections', 'an array of { name, text, priority?, pinned? }');
  const names = new Set<string>();
  sections.forEach((s, i) => {
    const at = `sections[${i}]`;
    if (typeof s !== 'object' || s === null) invalid(at, 'an object');
    if (typeof s.name !== 'string' || s.name === '') invalid(`${at}.name`, 'a non-empty string');
    if (names.has(s.name)) invalid(`${at}.name`, `unique, but "${s.name}" appears twice`);
    names.add(s.name);
    if (typeof s.text !== 'string') invalid(`${at}.text`, 'a string');
    if (s.priority !== undefined && !Number.isFinite(s.priority)) invalid(`${at}.priority`, 'a finite number');
    if (s.pinned !== undefined && typeof s.pinned !== 'boolean') invalid(`${at}.pinned`, 'a boolean');
  });
}

function invalid(field: string, expected: string): never {
  throw new CompressError({ code: 'INVALID_INPUT', field, message: `${field} must be ${expected}` });
}
