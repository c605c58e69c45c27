import type { MemoryEmbedder } from '../memory-embedder.js';
import type { MemoryStore } from '../memory-store.js';
import { TestClock, type MemoryStoreSuiteContext, type TestGlobals } from './suite-helpers.js';

/** Options of `describeMemoryStore`. */
export interface DescribeMemoryStoreOptions {
  /** The embedder handed to the factory. Defaults to `createTestEmbedder()` (a fast toy); pass the real model for ranking. */
  embedder?: MemoryEmbedder;
  /**
   * Makes the backend under `store` fail every call (stop the server, cut the connection) and returns a function that
   * repairs it. With it, the suite also checks that a write failing in the backend leaves nothing visible.
   */
  breakBackend?: (store: MemoryStore) => Promise<() => Promise<void>>;
  /** Per-test timeout in milliseconds, for slow backends or the real model. Defaults to `30000`. */
  timeoutMs?: number;
}

export interface Opened {
  store: MemoryStore;
  clock: TestClock;
  embedder: MemoryEmbedder;
}

/** What each group of the suite gets: the test globals and a way to open a fresh store (closed after the test). */
export interface SuiteEnv {
  g: TestGlobals;
  open(): Promise<Opened>;
  options: DescribeMemoryStoreOptions;
  timeout: number;
}

export type MakeStore = (context: MemoryStoreSuiteContext) => MemoryStore | Promise<MemoryStore>;
