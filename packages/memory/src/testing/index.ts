// `@rb/memory/testing`: what a backend author or a user of the store needs in tests. Not part of the root entry, so
// production code never loads it.
export { createTestEmbedder, TEST_EMBEDDER_MODEL } from './test-embedder.js';
export type { TestEmbedder } from './test-embedder.js';
