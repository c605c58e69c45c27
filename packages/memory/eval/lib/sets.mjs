// The two relevance sets and everything the contenders need of them, computed once: the memories' vectors for each
// way of embedding a memory, the tasks' vectors for each way of embedding a task.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { memoryText } from '../../dist/index.js';

const readJsonl = (file) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));

const errorText = (m) => (m.errorContext ? `${m.errorContext.errorType}\n${m.errorContext.failurePattern}\n${m.errorContext.correctiveGuidance}` : '');

/** The texts a memory can be embedded as (each one vector). */
export const MEMORY_TEXTS = {
  full: memoryText,
  titleDescription: (m) => `${m.title}\n${m.description}`,
  title: (m) => m.title,
  description: (m) => m.description,
  content: (m) => m.content,
  fullWithError: (m) => [memoryText(m), errorText(m)].filter(Boolean).join('\n'),
};

/** The texts a task can be embedded as. */
export const QUERY_TEXTS = {
  raw: (q) => q,
  // The paper's view: a memory's description says when to use it; phrase the task the same way.
  whenToUse: (q) => `Use when ${q.charAt(0).toLowerCase()}${q.slice(1)}`,
};

/**
 * Set 1 (the dev set: every fourth task held out, the rest for tuning), set 2 (held out as a whole, never tuned on),
 * and both banks merged. `parts` maps a part's name to the indices of its tasks.
 */
export function loadSets(evalDir) {
  const set1 = { name: 'set 1', memories: readJsonl(join(evalDir, 'memories.jsonl')), queries: readJsonl(join(evalDir, 'queries.jsonl')) };
  const set2 = {
    name: 'set 2',
    memories: readJsonl(join(evalDir, 'holdout-2/memories.jsonl')),
    queries: readJsonl(join(evalDir, 'holdout-2/queries.jsonl')),
  };
  const heldOut1 = (q) => Number(q.id.slice(1)) % 4 === 0;
  set1.parts = {
    tune: set1.queries.flatMap((q, i) => (heldOut1(q) ? [] : [i])),
    'held-out 1': set1.queries.flatMap((q, i) => (heldOut1(q) ? [i] : [])),
  };
  set2.parts = { 'held-out 2': set2.queries.map((_, i) => i) };
  // Both banks in one workspace (142 memories, 19 domains: more than the outside set's 120), asked the held-out tasks
  // of both sets: more candidates to confuse, and off-topic tasks facing a larger bank.
  const merged = {
    name: 'sets 1 + 2 in one bank',
    memories: [...set1.memories, ...set2.memories],
    queries: [...set1.parts['held-out 1'].map((i) => set1.queries[i]), ...set2.queries],
  };
  merged.parts = { 'one bank': merged.queries.map((_, i) => i) };
  for (const set of [set1, set2, merged]) {
    const ids = new Set(set.memories.map((m) => m.id));
    if (ids.size !== set.memories.length) throw new Error(`${set.name}: two memories share an id`);
    for (const q of set.queries) {
      const unknown = [...q.relevant, ...(q.lure ? [q.lure] : [])].filter((id) => !ids.has(id));
      if (unknown.length > 0 || q.relevant.includes(q.lure)) throw new Error(`${set.name}: task ${q.id} names unknown or contradictory memories ${unknown.join(', ')}`);
    }
  }
  return [set1, set2, merged];
}

/**
 * A task's clauses (split at sentence ends and before "but", "yet", "although", "because", ...), for the idea that a
 * task written around a wrong lesson ("X did not help, but Y") is better matched clause by clause. Clauses of fewer
 * than three words are dropped; a task of one clause has none.
 */
export function clauses(task) {
  const parts = task
    .split(/[.;:?!](?:\s+|$)|,\s*(?=but\b|yet\b|and\b|so\b|although\b|though\b|because\b|while\b)|\s+(?=but\b|yet\b|although\b|though\b|because\b)/i)
    .map((part) => part.trim())
    .filter((part) => part.split(/\s+/).length >= 3);
  return parts.length > 1 ? parts : [];
}

/** Adds `memoryVectors[text][mi]`, `queryVectors[text][qi]` and `clauseVectors[qi]` (possibly empty) to each set. */
export async function embedSets(embedder, sets) {
  for (const set of sets) {
    set.memoryVectors = {};
    for (const [name, text] of Object.entries(MEMORY_TEXTS)) {
      set.memoryVectors[name] = (await embedder.generateBatch(set.memories.map(text))).map((v) => Float32Array.from(v));
    }
    set.queryVectors = {};
    for (const [name, text] of Object.entries(QUERY_TEXTS)) {
      set.queryVectors[name] = (await embedder.generateBatch(set.queries.map((q) => text(q.query)))).map((v) => Float32Array.from(v));
    }
    const split = set.queries.map((q) => clauses(q.query));
    const vectors = await embedder.generateBatch(split.flat());
    let next = 0;
    set.clauseVectors = split.map((parts) => parts.map(() => Float32Array.from(vectors[next++])));
  }
}

export function dot(a, b) {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** `sum(w_i x v_i / |v_i|)`, normalised: one vector standing for several texts of a memory. */
export function unitSum(vectors, weights) {
  const out = new Float32Array(vectors[0].length);
  vectors.forEach((v, j) => {
    const norm = Math.sqrt(dot(v, v)) || 1;
    for (let i = 0; i < v.length; i++) out[i] += (weights[j] * v[i]) / norm;
  });
  const norm = Math.sqrt(dot(out, out)) || 1;
  for (let i = 0; i < out.length; i++) out[i] /= norm;
  return out;
}
