import type { MemoryBackend, MemoryFilter } from '../backend/memory-backend.js';
import type { MemoryEmbedder } from '../memory-embedder.js';
import { memoryText } from '../memory-item.js';
import type { RetrievedMemory } from '../memory-store.js';
import { compileFilter } from '../backend/compile-filter.js';
import { symmetricMaxSim, tokenVectorsOf, type TokenVectorCache } from './late-interaction.js';
import type { LexicalIndexes } from './lexical-indexes.js';
import { cosine, rankCandidates, type RankCandidate } from './rank.js';
import type { ResolvedRetrieval } from './retrieval-options.js';

export interface RetrieveInput {
  workspaceId: string;
  query: string;
  vector: Float32Array;
  k: number;
  filter: MemoryFilter;
  /** The request's threshold, when it sets one: it then replaces both `minScore` and `lateMinScore`. */
  minScore: number | undefined;
  now: number;
}

/** What the late-interaction stage needs: an embedder with token vectors and the store's cache of memories' rows. */
export interface LateInteraction {
  embedder: MemoryEmbedder;
  cache: TokenVectorCache;
}

/**
 * The pipeline every backend shares: dense candidates from the backend and BM25 candidates from the workspace's
 * lexical index, fused into one relevance, thresholded, ordered by the relevance-first rule; the best rescored by late
 * interaction when the embedder gives token vectors; optionally reranked; cut to k.
 */
export async function retrieveMemories(
  backend: MemoryBackend,
  lexical: LexicalIndexes | undefined,
  settings: ResolvedRetrieval,
  input: RetrieveInput,
  late?: LateInteraction,
): Promise<RetrievedMemory[]> {
  const limit = Math.max(settings.candidates, input.k);
  const [dense, lexicalHits] = await Promise.all([
    backend.queryMemories({ workspaceId: input.workspaceId, vector: input.vector, limit, filter: input.filter }),
    lexical ? lexical.get(input.workspaceId).then((index) => index.search(input.query, limit, input.filter)) : [],
  ]);
  const bm25 = new Map(lexicalHits.map((hit) => [hit.id, hit.score]));
  const candidates = new Map<string, RankCandidate>();
  for (const { memory, similarity } of dense) candidates.set(memory.id, { memory, similarity, lexical: bm25.get(memory.id) ?? 0 });

  // Lexical candidates the dense retriever did not return: their records and vectors come fresh from the backend, so
  // a memory deleted or changed since the index saw it is dropped or scored as it is now.
  const missing = lexicalHits.map((hit) => hit.id).filter((id) => !candidates.has(id));
  if (missing.length > 0) {
    const rows = await backend.getMemories({ workspaceId: input.workspaceId, ids: missing, withVectors: true });
    const matches = compileFilter(input.filter);
    rows.forEach((row) => {
      if (!row?.vector || !matches(row.record)) return;
      candidates.set(row.record.id, { memory: row.record, similarity: cosine(input.vector, row.vector), lexical: bm25.get(row.record.id)! });
    });
  }

  let ranked = rankCandidates([...candidates.values()], { ...settings, minScore: input.minScore ?? settings.minScore, now: input.now });
  // A clear winner is kept: late interaction runs only when the best two are close enough for it to reorder them.
  if (late && ranked.length >= 2 && ranked[0]!.components.relevance - ranked[1]!.components.relevance < settings.lateGap) {
    const head = ranked.slice(0, Math.max(settings.lateCandidates, input.k)).map((r) => candidates.get(r.memory.id)!);
    const scores = await lateScores(late, input.workspaceId, input.query, head);
    const rescored = head.map((c, i) => ({ ...c, late: scores[i]! }));
    ranked = rankCandidates(rescored, { ...settings, minScore: input.minScore ?? settings.lateMinScore, now: input.now });
  }
  if (settings.rerank && ranked.length > 0) {
    const pool = ranked.slice(0, Math.max(settings.rerankCandidates, input.k));
    const allowed = new Set(pool);
    const reordered = (await settings.rerank(input.query, pool)).filter((m) => allowed.has(m));
    ranked = reordered.map((m, i) => ({ ...m, components: { ...m.components, rerankPosition: i } }));
  }
  return ranked.slice(0, input.k);
}

/**
 * Each candidate's symmetric MaxSim with the task. The task and the memories not in the cache are encoded at once
 * (two calls, so the task's stays a single-text call an embedder may cache, as `@rb/storage-chroma` does).
 */
async function lateScores(late: LateInteraction, workspaceId: string, query: string, head: readonly RankCandidate[]): Promise<number[]> {
  const texts = head.map((c) => memoryText(c.memory));
  const rows = head.map((c, i) => late.cache.get(workspaceId, c.memory.id, texts[i]!));
  const missing = rows.flatMap((r, i) => (r === undefined ? [i] : []));
  const [[task], encoded] = await Promise.all([
    tokenVectorsOf(late.embedder, [query]),
    missing.length > 0 ? tokenVectorsOf(late.embedder, missing.map((i) => texts[i]!)) : [],
  ]);
  missing.forEach((i, j) => {
    rows[i] = encoded[j]!;
    late.cache.set(workspaceId, head[i]!.memory.id, texts[i]!, encoded[j]!);
  });
  return rows.map((r) => symmetricMaxSim(task!, r!, late.embedder.dimension));
}
