module.exports = {
  displayName: '@rb/memory',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  passWithNoTests: true,
};
