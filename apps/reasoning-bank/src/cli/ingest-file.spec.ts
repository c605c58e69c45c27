import { AppError } from '../errors.js';
import { planIngest } from './ingest-file.js';

const memory = (n: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    title: `Lesson number ${n}`,
    description: 'Use when the situation of this lesson arises.',
    content: `Do the thing that lesson ${n} teaches, in one or two sentences of advice.`,
    ...extra,
  });

describe('planIngest', () => {
  it('groups memory lines by outcome into traces of at most 20, with ids derived from the content', () => {
    const lines = [...Array.from({ length: 25 }, (_, i) => memory(i)), memory(99, { outcome: 'failure' })];
    const plan = planIngest('lessons.jsonl', lines.join('\n'));
    expect(plan.memories).toBe(26);
    expect(plan.traces.map((t) => [t.outcome, t.memories!.length])).toEqual([
      ['success', 20],
      ['success', 5],
      ['failure', 1],
    ]);
    expect(plan.traces[0]!.task).toBe('Imported from lessons.jsonl');
    // The same file planned twice gives the same ids: a second ingest overwrites instead of duplicating.
    expect(planIngest('lessons.jsonl', lines.join('\n')).traces).toEqual(plan.traces);
  });

  it('takes whole traces too, and keeps ids that are given', () => {
    const trace = JSON.stringify({ id: 't-1', task: 'Parse dates', outcome: 'success', memories: [JSON.parse(memory(1, { id: 'm-1' }))] });
    const plan = planIngest('x.jsonl', `${trace}\n\n`);
    expect(plan.traces).toEqual([expect.objectContaining({ id: 't-1', memories: [expect.objectContaining({ id: 'm-1' })] })]);
  });

  it('reports every bad line with its number and plans nothing', () => {
    const text = [memory(1), '{not json', memory(2, { title: 'x' }), memory(3, { colour: 'red' })].join('\n');
    let error: unknown;
    try {
      planIngest('bad.jsonl', text);
    } catch (e) {
      error = e;
    }
    expect(AppError.isInstance(error)).toBe(true);
    const message = (error as AppError).message;
    expect(message).toContain('line 2: not JSON');
    expect(message).toContain('line 3.title');
    expect(message).toContain('line 4.colour');
    expect((error as AppError).field).toBe('line 2');
  });
});
