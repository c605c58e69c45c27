import { RbError } from '@rb/errors';
import { CompressError, PinnedOverBudgetError } from './errors.js';
import { PromptCompressor } from './prompt-compressor.js';
import type { PromptSection } from './compress-sections.js';

const sentences = (label: string, n: number): string =>
  Array.from({ length: n }, (_, i) => `${label} sentence ${i} says something distinct about item ${i * 7}.`).join(' ');

describe('compressSections', () => {
  let c: PromptCompressor;
  beforeAll(() => {
    c = new PromptCompressor();
  });
  afterAll(() => c.dispose());

  const sections = (): PromptSection[] => [
    { name: 'system', text: 'You are a careful coding agent. Answer in JSON.', pinned: true },
    { name: 'memories', text: sentences('Memory', 40), priority: 1 },
    { name: 'task', text: 'Task: fix the failing test in parser.ts.', pinned: true },
    { name: 'previous', text: sentences('Attempt', 40), priority: 0 },
    { name: 'feedback', text: 'Feedback: the test still fails on empty input.', priority: 2 },
  ];

  it('joins the sections unchanged when they fit', () => {
    const result = c.compressSections(sections(), 10_000);
    expect(result.text).toBe(sections().map((s) => s.text).join('\n\n'));
    expect(result.sections.map((s) => s.action)).toEqual(['kept', 'kept', 'kept', 'kept', 'kept']);
    expect(result.report.techniques).toEqual([]);
  });

  it('shortens the lowest-priority section first and never touches pinned ones', () => {
    const full = c.countTokens(sections().map((s) => s.text).join('\n\n'));
    const budget = full - 200;
    const result = c.compressSections(sections(), budget);
    expect(result.report.finalTokens).toBe(c.countTokens(result.text));
    expect(result.report.finalTokens).toBeLessThanOrEqual(budget);
    const byName = Object.fromEntries(result.sections.map((s) => [s.name, s]));
    expect(byName['previous']!.action).toBe('truncated');
    expect(byName['memories']!.action).toBe('kept');
    expect(result.text).toContain(sections()[0]!.text);
    expect(result.text).toContain(sections()[2]!.text);
    expect(result.text).toContain(sections()[1]!.text);
    expect(result.text.indexOf('Task:')).toBeLessThan(result.text.indexOf('Attempt sentence 0'));
  });

  it('drops a low-priority section whole when only a stub would fit, then cuts the next one', () => {
    const pinnedAndFeedback = c.countTokens(
      [sections()[0]!.text, sections()[2]!.text, sections()[4]!.text].join('\n\n'),
    );
    const result = c.compressSections(sections(), pinnedAndFeedback + 150);
    expect(result.report.finalTokens).toBeLessThanOrEqual(pinnedAndFeedback + 150);
    expect(result.sections.map((s) => s.action)).toEqual(['kept', 'truncated', 'kept', 'dropped', 'kept']);
    expect(result.report.techniques).toEqual(expect.arrayContaining(['truncate', 'drop']));
    expect(result.text).not.toContain('Attempt');
    expect(result.text.endsWith(sections()[4]!.text)).toBe(true);
  });

  it('compresses losslessly before cutting anything', () => {
    const messy: PromptSection[] = [
      { name: 'task', text: 'Task: refactor.', pinned: true },
      { name: 'code', text: '```js\n' + Array.from({ length: 30 }, (_, i) => `f(${i}); // call number ${i} explained`).join('\n') + '\n```' },
    ];
    const cleaned = '```js\n' + Array.from({ length: 30 }, (_, i) => `f(${i});`).join('\n') + '\n```';
    const budget = c.countTokens(`Task: refactor.\n\n${cleaned}`);
    const result = c.compressSections(messy, budget);
    expect(result.text).toBe(`Task: refactor.\n\n${cleaned}`);
    expect(result.sections[1]!.action).toBe('compressed');
    expect(result.report.techniques).toEqual(['code']);
  });

  it('throws PinnedOverBudgetError when the pinned sections alone do not fit', () => {
    const error = (() => {
      try {
        c.compressSections([{ name: 'task', text: sentences('Task', 20), pinned: true }], 50);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(PinnedOverBudgetError);
    expect(error).toMatchObject({ code: 'PINNED_OVER_BUDGET', budget: 50, field: 'sections' });
    // isInstance narrows the type: pinnedTokens compiles without a cast.
    if (!PinnedOverBudgetError.isInstance(error)) throw new Error('expected a PinnedOverBudgetError');
    expect(error.pinnedTokens).toBeGreaterThan(50);
    expect([CompressError.isInstance(error), RbError.isInstance(error)]).toEqual([true, true]);
  });

  it('PinnedOverBudgetError.isInstance is false for every other error, DISPOSED included', () => {
    const disposed = new PromptCompressor();
    disposed.dispose();
    let other: unknown;
    try {
      disposed.compressSections([{ name: 'task', text: 'x', pinned: true }]);
    } catch (e) {
      other = e;
    }
    expect(other).toMatchObject({ code: 'DISPOSED' });
    expect(PinnedOverBudgetError.isInstance(other)).toBe(false);
    expect(PinnedOverBudgetError.isInstance(new CompressError({ code: 'PINNED_OVER_BUDGET', message: 'hand-made' }))).toBe(false);
    expect(PinnedOverBudgetError.isInstance(new Error('x'))).toBe(false);
  });

  it.each<[unknown, string]>([
    ['not an array', 'sections'],
    [[{ name: '', text: 'x' }], 'sections[0].name'],
    [[{ name: 'a', text: 'x' }, { name: 'a', text: 'y' }], 'sections[1].name'],
    [[{ name: 'a', text: 3 }], 'sections[0].text'],
    [[{ name: 'a', text: 'x', priority: Number.POSITIVE_INFINITY }], 'sections[0].priority'],
    [[{ name: 'a', text: 'x', pinned: 'yes' }], 'sections[0].pinned'],
  ])('rejects bad sections %j with INVALID_INPUT naming %s', (input, field) => {
    expect(() => c.compressSections(input as PromptSection[], 100)).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', field }),
    );
  });

  it('rejects a budget that is not a positive integer', () => {
    expect(() => c.compressSections(sections(), 0)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', field: 'budget' }));
  });
});
