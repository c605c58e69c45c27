module.exports = {
  displayName: '@rb/cache',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
