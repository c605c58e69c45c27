import type { MemoryStore } from '../memory-store.js';
import { backupTests } from './suite-backup.js';
import { contractTests } from './suite-contract.js';
import type { DescribeMemoryStoreOptions, MakeStore, SuiteEnv } from './suite-env.js';
import { TestClock, testGlobals } from './suite-helpers.js';
import { isolationTests } from './suite-isolation.js';
import { lifecycleTests } from './suite-lifecycle.js';
import { retrievalTests } from './suite-retrieval.js';
import { createTestEmbedder } from './test-embedder.js';

/**
 * Registers the conformance suite of the `MemoryStore` contract (Jest or Vitest globals): round trip, workspace
 * isolation with crafted and shared ids and racing writers, failed writes leaving nothing, reads after deletes and
 * updates, ranking rules, the threshold, genealogy, retention, backup -> wipe -> restore equality, refused backups, bad
 * input naming the field, close. `makeStore` builds a store with the embedder and clock it is given and the DEFAULT
 * retrieval options; each test uses fresh workspace ids and closes its store, so a suite may share one server.
 */
export function describeMemoryStore(name: string, makeStore: MakeStore, options: DescribeMemoryStoreOptions = {}): void {
  const g = testGlobals();
  const embedder = options.embedder ?? createTestEmbedder();
  const opened: MemoryStore[] = [];
  const env: SuiteEnv = {
    g,
    options,
    timeout: options.timeoutMs ?? 30_000,
    async open() {
      const clock = new TestClock();
      const store = await makeStore({ embedder, now: clock.now });
      opened.push(store);
      return { store, clock, embedder };
    },
  };
  g.describe(`MemoryStore conformance: ${name}`, () => {
    g.afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()));
    }, env.timeout);
    contractTests(env);
    isolationTests(env);
    retrievalTests(env);
    lifecycleTests(env);
    backupTests(env);
  });
}
