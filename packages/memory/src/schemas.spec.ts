import { z } from 'zod';
import { MemoryError } from './errors.js';
import { MemoryItemInputSchema, MemoryPatchSchema } from './memory-item.js';
import { AddTraceRequestSchema, RetrieveRequestSchema } from './memory-store.js';
import { parseInput } from './parse-input.js';
import { createId } from './create-id.js';

const item = {
  title: 'Check the schema first',
  description: 'Use when a query fails on a column name.',
  content: 'Read the table schema before writing a query against it.',
};

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (MemoryError.isInstance(error) && error.code === 'INVALID_INPUT') return error.field;
    throw error;
  }
  throw new Error('expected INVALID_INPUT');
}

describe('schemas', () => {
  it('name the first bad field as a path', () => {
    const request = { workspaceId: 'ws', trace: { task: 't', outcome: 'success', memories: [item, { ...item, title: 'x' }] } };
    expect(fieldOf(() => parseInput(AddTraceRequestSchema, request, ''))).toBe('trace.memories[1].title');
  });

  it('refuse unknown fields, naming them', () => {
    const request = { workspaceId: 'ws', trace: { task: 't', outcome: 'success', junk: 'x'.repeat(1_000_000) } };
    expect(fieldOf(() => parseInput(AddTraceRequestSchema, request, ''))).toBe('trace.junk');
  });

  it.each([
    ['NUL in a workspace id', { workspaceId: 'a\u0000b', query: 'q' }, 'workspaceId'],
    ['a lone surrogate in a domain', { workspaceId: 'w', query: 'q', domain: 'py\ud800' }, 'domain'],
    ['a control character in a tag', { workspaceId: 'w', query: 'q', tags: ['a\nb'] }, 'tags[0]'],
    ['a blank workspace id', { workspaceId: '  ', query: 'q' }, 'workspaceId'],
    ['k out of range', { workspaceId: 'w', query: 'q', k: 0 }, 'k'],
  ])('refuse %s', (_name, request, field) => {
    expect(fieldOf(() => parseInput(RetrieveRequestSchema, request, ''))).toBe(field);
  });

  it('treat prototype names as ordinary values', () => {
    const parsed = parseInput(RetrieveRequestSchema, { workspaceId: '__proto__', query: 'q', domain: 'constructor', tags: ['toString'] }, '');
    expect(parsed).toMatchObject({ workspaceId: '__proto__', domain: 'constructor', tags: ['toString'] });
    const trace = parseInput(
      AddTraceRequestSchema,
      JSON.parse('{"workspaceId":"w","trace":{"task":"t","outcome":"success","timings":[{"name":"__proto__","ms":5}]}}'),
      '',
    );
    expect(trace.trace.timings).toEqual([{ name: '__proto__', ms: 5 }]);
    // An own `__proto__` key (as JSON.parse makes it) is an unknown field, reported, never silently dropped.
    expect(fieldOf(() => parseInput(AddTraceRequestSchema, JSON.parse('{"workspaceId":"w","trace":{"task":"t","outcome":"success","__proto__":{}}}'), ''))).toBe(
      'trace.__proto__',
    );
  });

  it('accept a complete memory and a patch that removes a field', () => {
    expect(MemoryItemInputSchema.parse({ ...item, tags: ['sql'], errorContext: { errorType: 'e', failurePattern: 'p', correctiveGuidance: 'g' } })).toBeTruthy();
    expect(MemoryPatchSchema.parse({ errorContext: null })).toEqual({ errorContext: null });
    expect(() => MemoryPatchSchema.parse({})).toThrow();
  });

  it('give JSON Schema for tool definitions', () => {
    const schema = z.toJSONSchema(RetrieveRequestSchema) as { properties: Record<string, { description?: string }>; required: string[] };
    expect(schema.required).toEqual(['workspaceId', 'query']);
    expect(schema.properties['k']!.description).toMatch(/Defaults to 1/);
    expect(z.toJSONSchema(AddTraceRequestSchema)).toBeTruthy();
  });
});

describe('createId', () => {
  it('sorts a burst of ids in creation order', () => {
    const ids = Array.from({ length: 10_000 }, () => createId());
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
