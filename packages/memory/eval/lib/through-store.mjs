import { K } from './measure.mjs';

/** The clock every eval runs at: memories are dated by their age before it. */
export const EVAL_NOW = Date.parse('2026-06-01T00:00:00Z');

/**
 * A set end to end through a real store: its memories added one trace each (dated by their age, so recency counts as
 * it would), then every query retrieved with k = K. Returns, per query, the set positions of what came back.
 */
export async function ordersThroughStore(store, set) {
  for (const m of set.memories) {
    const { id, domain, outcome, title, description, content, errorContext } = m;
    const createdAt = new Date(EVAL_NOW - m.ageDays * 86_400_000).toISOString();
    await store.addTrace({
      workspaceId: 'eval',
      trace: { task: `source of ${id}`, outcome, domain, createdAt, memories: [{ id, title, description, content, ...(errorContext ? { errorContext } : {}) }] },
    });
  }
  const position = new Map(set.memories.map((m, i) => [m.id, i]));
  const orders = [];
  for (const q of set.queries) orders.push((await store.retrieve({ workspaceId: 'eval', query: q.query, k: K })).map((r) => position.get(r.memory.id)));
  return orders;
}
