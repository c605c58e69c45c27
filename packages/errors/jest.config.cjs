module.exports = {
  displayName: '@rb/errors',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
