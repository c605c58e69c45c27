module.exports = {
  displayName: '@rb/telemetry',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
