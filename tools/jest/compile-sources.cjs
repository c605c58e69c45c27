// Compiles a package's `src/*.ts` (specs left out) to ES modules with SWC, for tests that run the package in a child
// Node process as a user's program would (a parent to kill, a process that must exit by itself).
// Usage: node tools/jest/compile-sources.cjs <src folder> <out folder>
const { transformFileSync } = require('@swc/core');
const { mkdirSync, readdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const [src, out] = process.argv.slice(2);
if (!src || !out) throw new Error('usage: compile-sources.cjs <src> <out>');
mkdirSync(out, { recursive: true });
for (const file of readdirSync(src).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'))) {
  const { code } = transformFileSync(join(src, file), {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'es6' },
  });
  writeFileSync(join(out, file.replace(/\.ts$/, '.js')), code);
}
