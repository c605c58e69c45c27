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
  execFileSync(process.execPath, [join(REPO, 'tools', 'jest', 'compile-sources.cjs'), join(PACKAGE, 'src'), join(dir, 'dist')], { cwd: REPO });
  cpSync(join(PACKAGE, 'child'), join(dir, 'child'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
