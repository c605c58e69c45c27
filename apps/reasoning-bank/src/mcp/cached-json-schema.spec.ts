import { z } from 'zod';
import { withCachedJsonSchema } from './cached-json-schema.js';

const Input = z.strictObject({ query: z.string().min(1).meta({ description: 'What to look for.' }), k: z.int().min(1).optional() });
const OPTIONS = { target: 'draft-2020-12' };

describe('withCachedJsonSchema', () => {
  it('gives the JSON Schema the schema itself gives, converted once and frozen', () => {
    const cached = withCachedJsonSchema(Input);
    const convert = jest.spyOn(Input['~standard'].jsonSchema, 'input');
    const first = cached['~standard'].jsonSchema.input(OPTIONS);
    const second = cached['~standard'].jsonSchema.input(OPTIONS);
    expect(convert).toHaveBeenCalledTimes(1);
    convert.mockRestore();
    expect(second).toBe(first);
    expect(first).toEqual(Input['~standard'].jsonSchema.input(OPTIONS));
    expect(Object.isFrozen((first['properties'] as Record<string, object>)['query'])).toBe(true);
    expect(cached['~standard'].jsonSchema.output(OPTIONS)).toEqual(Input['~standard'].jsonSchema.output(OPTIONS));
  });

  it('validates exactly as the schema does, through zod and through Standard Schema', async () => {
    const cached = withCachedJsonSchema(Input);
    expect(cached.parse({ query: 'sort a list' })).toEqual({ query: 'sort a list' });
    expect(cached.safeParse({ query: '' }).success).toBe(false);
    expect(cached.safeParse({ query: 'x', colour: 'red' }).success).toBe(false);
    expect(await cached['~standard'].validate({ query: 'x', k: 0 })).toMatchObject({ issues: [expect.objectContaining({ path: ['k'] })] });
  });
});
