import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const PACKAGE = join(__dirname, '..', '..');
const REPO = join(PACKAGE, '..', '..');

/**
 * This package as a user's program runs it, for tests that need a separate Node process (a parent to kill, a
 * process that must exit by itself): `src` compiled by SWC to ES modules in a scratch folder beside a copy of `child/`.
 * The folder lies under the package's own `node_modules/.cache`, so imports resolve as they do for the package
 * (its own dependency versions first); sibling packages resolve to their builds (`nx test` builds them first).
 */
export function compilePackage(): { dir: string; dispose(): void } {
  const cache = join(PACKAGE, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(join(cache, 'storage-chroma-child-'));
  const compile = `
    const { transformFileSync } = require('@swc/core');
    const { readdirSync, writeFileSync, mkdirSync } = require('node:fs');
    const { join } = require('node:path');
    const [src, out] = process.argv.slice(1);
    mkdirSync(out, { recursive: true });
    for (const file of readdirSync(src).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'))) {
      const { code } = transformFileSync(join(src, file), {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'es6' },
      });
      writeFileSync(join(out, file.replace(/\\.ts$/, '.js')), code);
    }`;
  execFileSync(process.execPath, ['-e', compile, join(PACKAGE, 'src'), join(dir, 'dist')], { cwd: REPO });
  cpSync(join(PACKAGE, 'child'), join(dir, 'child'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
