module.exports = {
  displayName: '@rb/storage-chroma',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
