module.exports = {
  displayName: '@rb/http-pool',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
