// `@rb/memory/testing`: what a backend author or a user of the store needs in tests. Not part of the root entry, so
// production code never loads it.
export { describeMemoryStore } from './describe-memory-store.js';
export type { DescribeMemoryStoreOptions, MakeStore } from './suite-env.js';
export type { MemoryStoreSuiteContext } from './suite-helpers.js';
export { createTestEmbedder, TEST_EMBEDDER_MODEL } from './test-embedder.js';
export type { TestEmbedder } from './test-embedder.js';
export { createFaultyBackend } from './faulty-backend.js';
export type { FaultyBackend } from './faulty-backend.js';
