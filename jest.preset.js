// Shared Jest settings for every project. TypeScript is stripped by SWC (type safety lives in the `typecheck` target),
// and the `@rb/source` export condition makes sibling packages resolve to their `src/`, so tests never need a build.
const path = require('node:path');

module.exports = {
  testEnvironment: path.join(__dirname, 'tools/jest/node-environment.cjs'),
  testEnvironmentOptions: {
    customExportConditions: ['@rb/source', 'node', 'require', 'default'],
  },
  transform: {
    '^.+\\.[cm]?[tj]s$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
      },
    ],
  },
  // The OTLP exporter loads its HTTP transport with a dynamic import(), which Jest's CommonJS mode cannot run; SWC
  // rewrites it to require() for the tests; uuid ships ESM only and is rewritten likewise. Production code runs both
  // packages untouched.
  transformIgnorePatterns: ['/node_modules/(?!(@opentelemetry/otlp-exporter-base|uuid)/)'],
  // Sources import siblings as `./x.js` (Node ESM); under Jest they are the `.ts` files.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  reporters: ['default', path.join(__dirname, 'tools/jest/summary-reporter.cjs')],
};
