module.exports = {
  displayName: '@rb/agent',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  passWithNoTests: true,
};
