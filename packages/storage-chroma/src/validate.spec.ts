import { createId } from './create-id.js';
import { validateTrace } from './validate.js';
import type { TraceInput } from './types.js';

const memory = {
  id: 'm1',
  title: 'Check pagination',
  description: 'Search results may span several pages.',
  content: 'Before concluding an item is missing, walk every page of the results.',
};
const trace: TraceInput = { id: 't1', workspaceId: 'w', task: 'Find the order', outcome: 'failure', memories: [memory] };

describe('validateTrace', () => {
  it('stamps memories with the trace workspace, id, outcome and an ISO date', () => {
    const { trace: stored, memories } = validateTrace({ ...trace, createdAt: new Date(Date.UTC(2026, 0, 2)) }, 0);
    expect(stored).toMatchObject({ id: 't1', createdAt: '2026-01-02T00:00:00.000Z', extractedMemoryIds: ['m1'] });
    expect(stored).not.toHaveProperty('memories');
    expect(memories[0]).toMatchObject({ traceId: 't1', workspaceId: 'w', outcome: 'failure', createdAt: '2026-01-02T00:00:00.000Z' });
  });

  it('lets memories inherit the trace domain unless they name their own', () => {
    const { memories } = validateTrace({ ...trace, domain: 'web', memories: [memory, { ...memory, id: 'm2', domain: 'code' }] }, 0);
    expect(memories.map((m) => m.domain)).toEqual(['web', 'code']);
  });

  it.each([
    [{ ...trace, workspaceId: '' }, 'trace.workspaceId'],
    [{ ...trace, outcome: 'won' }, 'trace.outcome'],
    [{ ...trace, createdAt: 'yesterday' }, 'trace.createdAt'],
    [{ ...trace, memories: [{ ...memory, title: 'abc' }] }, 'trace.memories[0].title'],
    [{ ...trace, memories: [memory, { ...memory, content: 'too short' }] }, 'trace.memories[1].content'],
    [{ ...trace, memories: [{ ...memory, tags: Array.from({ length: 11 }, (_, i) => `t${i}`) }] }, 'trace.memories[0].tags'],
    [{ ...trace, memories: [memory, memory] }, 'trace.memories[1].id'],
    [{ ...trace, memories: [{ ...memory, errorContext: { errorType: 'x', failurePattern: '', correctiveGuidance: 'y' } }] },
      'trace.memories[0].errorContext.failurePattern'],
  ])('names the bad field (%#)', (input, field) => {
    expect(() => validateTrace(input as TraceInput, 0)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', field }));
  });
});

describe('createId', () => {
  it('makes UUIDv7 ids that sort by time', () => {
    const a = createId(1_000);
    const b = createId(2_000);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a < b).toBe(true);
  });
});
