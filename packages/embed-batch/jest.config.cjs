module.exports = {
  displayName: '@rb/embed-batch',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
