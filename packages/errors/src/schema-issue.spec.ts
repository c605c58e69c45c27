import { z } from 'zod';
import { describeSchemaIssue, formatFieldPath } from './schema-issue.js';

const firstIssue = (schema: z.ZodType, value: unknown) => {
  const result = schema.safeParse(value);
  if (result.success) throw new Error('expected the value to be refused');
  return result.error.issues[0]!;
};

describe('describeSchemaIssue', () => {
  const Trace = z.strictObject({ memories: z.array(z.strictObject({ title: z.string().min(5) })) });

  it('names the path of the bad value under the root', () => {
    const described = describeSchemaIssue(firstIssue(Trace, { memories: [{ title: 'a good title' }, { title: 'x' }] }), 'trace');
    expect(described.field).toBe('trace.memories[1].title');
    expect(described.message).toMatch(/^trace\.memories\[1\]\.title: .*5/);
  });

  it('reports an unknown key as its own path', () => {
    const described = describeSchemaIssue(firstIssue(Trace, { memories: [{ title: 'a good title', colour: 1 }] }), 'trace');
    expect(described).toEqual({ field: 'trace.memories[0].colour', message: 'trace.memories[0].colour is not a known field' });
  });

  it('calls a bad top-level value "input" when there is no root', () => {
    expect(describeSchemaIssue(firstIssue(z.string(), 3), '').field).toBe('input');
  });
});

describe('formatFieldPath', () => {
  it('quotes names that are not identifiers, and cuts crafted long ones', () => {
    expect(formatFieldPath('domains', ['__proto__', 'a b'])).toBe('domains.__proto__["a b"]');
    const long = formatFieldPath('x', ['k'.repeat(1_000_000) + ' ']);
    expect(long.length).toBeLessThan(120);
  });
});
