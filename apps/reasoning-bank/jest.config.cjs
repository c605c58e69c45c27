module.exports = {
  displayName: '@rb/reasoning-bank',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  passWithNoTests: true,
};
