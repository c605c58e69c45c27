module.exports = {
  displayName: '@rb/compress',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
