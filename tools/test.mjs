// `npm test`: runs every project's tests through Nx, then prints one workspace-wide "N passed, N failed" line.
// Extra arguments go to Nx, e.g. `npm test -- --projects=@rb/cache`.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
rmSync(join(root, 'tmp', 'test-results'), { recursive: true, force: true });

const nx = spawnSync('npx', ['nx', 'run-many', '-t', 'test', '--outputStyle=stream', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});
const summary = spawnSync(process.execPath, [join(root, 'tools', 'test-summary.mjs')], { cwd: root, stdio: 'inherit' });
process.exit(nx.status || summary.status || 0);
