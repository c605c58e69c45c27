// BM25 variants over a set's memories, as MiniSearch scores per task (memory index -> raw BM25).
import MiniSearch from 'minisearch';
import { createRequire } from 'node:module';
import { LexicalIndex } from '../../dist/retrieval/lexical-index.js';
import { tokenize } from '../../dist/retrieval/tokenize.js';

const errorText = (m) => (m.errorContext ? `${m.errorContext.errorType}\n${m.errorContext.failurePattern}\n${m.errorContext.correctiveGuidance}` : '');
const words = (text) => [...text.toLowerCase().matchAll(/[\p{L}\p{N}_]+/gu)].map((m) => m[0]);

const porter2 = createRequire(import.meta.url)('wink-porter2-stemmer');
const porter2Tokenize = (text) => tokenize(text).map((word) => porter2(word));

/** The package's own index (its tokenizer, stop words and plural trimming), with field boosts. */
function packageIndex(memories, boosts) {
  const index = new LexicalIndex(boosts);
  index.upsert(memories.map((m) => ({ ...m, createdAt: '2026-01-01T00:00:00.000Z', traceId: 't', workspaceId: 'w' })));
  const position = new Map(memories.map((m, i) => [m.id, i]));
  return (query) => new Map(index.search(query, memories.length, {}).map((hit) => [position.get(hit.id), hit.score]));
}

/** MiniSearch with another tokenizer, the fields and options of the package's index otherwise. */
function customIndex(memories, tokenizeFn, boosts = {}, plain = false) {
  const search = new MiniSearch({ fields: ['title', 'description', 'content', 'errorText'], storeFields: [], tokenize: tokenizeFn, processTerm: (t) => t });
  search.addAll(memories.map((m, i) => ({ id: i, title: m.title, description: m.description, content: m.content, errorText: errorText(m) })));
  return (query) => new Map(search.search(query, { boost: boosts, combineWith: 'OR', prefix: false, fuzzy: false }).map((r) => [r.id, plain ? r.score / r.queryTerms.length : r.score]));
}

export const LEXICAL_VARIANTS = {
  'package tokenizer': (memories) => packageIndex(memories),
  'package tokenizer, title x2 description x1.5': (memories) => packageIndex(memories, { title: 2, description: 1.5, content: 1, errorText: 1 }),
  'package tokenizer, error context x0.5': (memories) => packageIndex(memories, { title: 1, description: 1, content: 1, errorText: 0.5 }),
  // MiniSearch multiplies a document's BM25 by the number of query terms it matched; this is plain BM25.
  'package tokenizer, plain BM25 (no matched-terms multiplier)': (memories) => customIndex(memories, tokenize, {}, true),
  'no stop words, no stemming': (memories) => customIndex(memories, words),
  'package stop words + Porter2 stemmer (wink-porter2-stemmer)': (memories) => customIndex(memories, porter2Tokenize),
};

/** `bm25[variant][qi]`: Map memory index -> score. */
export function lexicalScores(set) {
  const out = {};
  for (const [name, build] of Object.entries(LEXICAL_VARIANTS)) {
    const search = build(set.memories);
    out[name] = set.queries.map((q) => search(q.query));
  }
  return out;
}
