module.exports = {
  displayName: '@rb/agent',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  passWithNoTests: true,
  // The first test of a file loads tiktoken's WASM encoder (up to a few seconds on a busy 2-core machine).
  testTimeout: 30_000,
};
