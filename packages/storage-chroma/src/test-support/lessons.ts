import type { MemoryItemInput, TraceInput } from '@rb/memory';

// Lessons on distinct topics, written like the paper's items, so that any embedder tells them apart.
export const LESSONS = {
  sort: {
    title: 'Sorting lists in Python',
    description: 'Use when a Python list must be put in order.',
    content: 'Call list.sort() to sort in place, or sorted(items, key=...) to get a new sorted list; pass key= for custom orders.',
    domain: 'python',
  },
  pages: {
    title: 'Walk every page of search results',
    description: 'Use when a web listing splits its results across several pages.',
    content: 'Before concluding that an item is missing from a website listing, click through all result pages or raise the page size.',
    domain: 'web',
  },
  schema: {
    title: 'Read the table schema before writing SQL',
    description: 'Use when a SQL query fails on an unknown column name.',
    content: 'Inspect the table definition first (DESCRIBE or information_schema), then write the query against the real column names.',
    domain: 'sql',
  },
  docker: {
    title: 'Copy the lockfile before the sources in a Dockerfile',
    description: 'Use when Docker builds reinstall every dependency after any code change.',
    content: 'Copy package.json and the lockfile, install, then copy the sources, so the dependency layer stays cached between builds.',
    domain: 'docker',
  },
} satisfies Record<string, MemoryItemInput>;

/** A trace request carrying `memories`, with a task naming them. */
export function traceOf(workspaceId: string, memories: MemoryItemInput[], extra: Partial<TraceInput> = {}) {
  return {
    workspaceId,
    trace: { task: `Solve a task about ${memories.map((m) => m.title).join(', ') || 'nothing'}`, outcome: 'success' as const, memories, ...extra },
  };
}

/** Awaits `promise` and returns what it rejected with (failing the test when it resolved). */
export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string; field?: string; isRetryable?: boolean }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}
