module.exports = {
  displayName: '@rb/reasoning-bank',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  // The end-to-end specs start the built server (model, Chroma) and talk to it over the real protocol.
  testTimeout: 60_000,
};
