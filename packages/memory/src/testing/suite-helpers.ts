import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryError, type MemoryErrorCode } from '../errors.js';
import type { MemoryEmbedder } from '../memory-embedder.js';
import type { MemoryItemInput } from '../memory-item.js';
import type { BackupManifest, MemoryStore } from '../memory-store.js';

/** What `describeMemoryStore` hands the factory: build the store with exactly these. */
export interface MemoryStoreSuiteContext {
  /** The embedder to use (the suite's toy one, or the real model the caller chose). */
  embedder: MemoryEmbedder;
  /** The clock to use as the store's `now` option; the suite moves it. */
  now: () => number;
}

// The Jest (or Vitest) globals the suite registers tests with, typed to what it uses.
export interface Matchers {
  toBe(expected: unknown): void;
  toEqual(expected: unknown): void;
  toMatchObject(expected: object): void;
  toHaveLength(length: number): void;
  toBeUndefined(): void;
  toBeGreaterThan(n: number): void;
  toBeGreaterThanOrEqual(n: number): void;
  toBeLessThanOrEqual(n: number): void;
  toContain(item: unknown): void;
  not: Matchers;
}
export interface TestGlobals {
  describe(name: string, fn: () => void): void;
  it(name: string, fn: () => Promise<void>, timeout?: number): void;
  expect(value: unknown): Matchers;
  afterEach(fn: () => Promise<void>, timeout?: number): void;
}

export function testGlobals(): TestGlobals {
  const g = globalThis as unknown as Partial<TestGlobals>;
  if (typeof g.describe !== 'function' || typeof g.it !== 'function' || typeof g.expect !== 'function' || typeof g.afterEach !== 'function') {
    throw new Error('describeMemoryStore needs the test globals describe, it, expect and afterEach (Jest or Vitest with globals)');
  }
  return g as TestGlobals;
}

/** A clock the suite moves by hand. */
export class TestClock {
  ms = Date.parse('2026-01-15T12:00:00.000Z');
  readonly now = () => this.ms;
  advanceDays(days: number): void {
    this.ms += days * 86_400_000;
  }
  iso(offsetDays = 0): string {
    return new Date(this.ms + offsetDays * 86_400_000).toISOString();
  }
}

/** A fresh workspace id per test, so a suite can share one server between tests. */
export const freshWorkspace = (label = 'ws') => `${label}-${randomUUID()}`;

/** Awaits `promise` and checks it rejected with a `MemoryError` of `code` (and `field`, when given). */
export async function expectMemoryError(
  expect: TestGlobals['expect'],
  promise: Promise<unknown>,
  code: MemoryErrorCode,
  field?: string,
): Promise<MemoryError> {
  let error: unknown;
  let resolved = false;
  try {
    await promise;
    resolved = true;
  } catch (caught) {
    error = caught;
  }
  expect(resolved).toBe(false);
  expect(MemoryError.isInstance(error)).toBe(true);
  const memoryError = error as MemoryError;
  expect({ code: memoryError.code, field: field === undefined ? undefined : memoryError.field }).toEqual({ code, field });
  return memoryError;
}

// Lessons written like the paper's items, on distinct topics so any embedder tells them apart.
export const LESSONS = {
  clock: {
    title: 'Inject the clock in time-dependent tests',
    description: 'Use when a test is flaky because it waits for real time to pass.',
    content: 'Pass a now() function or a fake timer into the code under test instead of sleeping; the test becomes deterministic and fast.',
  },
  orderBy: {
    title: 'Order SQL results explicitly',
    description: 'Use when code relies on the order of rows a database query returns.',
    content: 'Add an ORDER BY clause on a unique key; without it the database may return rows in any order, and pagination repeats or skips rows.',
  },
  gitRebase: {
    title: 'Rebase a feature branch before merging',
    description: 'Use when a pull request branch has fallen behind the main branch.',
    content: 'Fetch and rebase the branch onto the main branch, resolve conflicts commit by commit, then force-push with lease.',
  },
  dockerCache: {
    title: 'Copy the lockfile before the sources in a Dockerfile',
    description: 'Use when Docker image builds reinstall every dependency after any code change.',
    content: 'Copy package.json and the lockfile, install, then copy the sources, so the dependency layer stays cached between builds.',
  },
} satisfies Record<string, MemoryItemInput>;

export const ERROR_CONTEXT = {
  errorType: 'FlakyTest',
  failurePattern: 'The test slept for a fixed time and failed on a slow machine.',
  correctiveGuidance: 'Control time through an injected clock instead of sleeping.',
};

export const OFF_TOPIC = 'What is a good recipe for banana bread with walnuts?';

export async function tempDir(): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'rb-memory-suite-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Edits a backup's data file with `edit(lines)` and rewrites the manifest's sha256/size/count, as an attacker would. */
export async function craftBackup(dir: string, kind: 'memories' | 'traces', edit: (lines: string[]) => string[]): Promise<void> {
  const manifestPath = join(dir, 'manifest.json');
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as BackupManifest;
  const file = join(dir, manifest.files[kind].name);
  const lines = (await readFile(file, 'utf8')).split('\n').filter((line) => line !== '');
  const edited = edit(lines);
  const body = edited.map((line) => `${line}\n`).join('');
  await writeFile(file, body);
  manifest.files[kind].sha256 = createHash('sha256').update(body).digest('hex');
  manifest.files[kind].bytes = Buffer.byteLength(body);
  manifest.counts[kind] = edited.length;
  await writeFile(manifestPath, JSON.stringify(manifest));
}

/** Every memory and trace of a workspace, sorted by id, for equality checks. */
export async function snapshot(store: MemoryStore, workspaceId: string, memoryIds: string[]) {
  const traces = [];
  let cursor: string | undefined;
  do {
    const page = await store.listTraces({ workspaceId, limit: 100, ...(cursor ? { cursor } : {}) });
    traces.push(...page.traces);
    cursor = page.nextCursor;
  } while (cursor);
  const memories = await store.getMemories({ workspaceId, ids: memoryIds });
  return { memories, traces: traces.sort((a, b) => (a.id < b.id ? -1 : 1)) };
}
