// `npm run test:node -- <major> [nx arguments]`: the README's `npm test` (every project's tests, then one
// "N passed, N failed" line) under another Node major, e.g. 22 or 24, while the repository stays on its own Node.
//
// The node binary comes from the npm registry's `node` package, installed once (~185 MB) into a cache folder outside
// the repository, so it never touches the shared node_modules: $RB_NODE_CACHE, else $XDG_CACHE_HOME or ~/.cache, under
// reasoningbank-ts/node-<major>. Every process of the run (npm, Nx, Jest, the servers tests start) finds that node
// first on PATH. Nx's cache is skipped: a task's hash does not include the Node version, so a result from another Node
// would be replayed instead of run.
//
// Examples: npm run test:node -- 22
//           npm run test:node -- 24 --projects=@rb/embed-batch
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

const [major, ...nxArgs] = process.argv.slice(2);
if (!/^\d+$/.test(major ?? '')) {
  console.error('usage: npm run test:node -- <node major, e.g. 22> [nx run-many arguments]');
  process.exit(2);
}

const root = join(import.meta.dirname, '..');
const cache =
  process.env.RB_NODE_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'reasoningbank-ts');
const prefix = join(cache, `node-${major}`);
const binDir = join(prefix, 'node_modules', 'node', 'bin');
const node = join(binDir, process.platform === 'win32' ? 'node.exe' : 'node');

const versionOf = (bin) => {
  if (!existsSync(bin)) return undefined;
  const out = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  return out.status === 0 ? out.stdout.trim() : undefined;
};

let version = versionOf(node);
if (!version?.startsWith(`v${major}.`)) {
  console.log(`test:node: installing node@${major} from the npm registry into ${prefix} ...`);
  mkdirSync(prefix, { recursive: true });
  const install = spawnSync(
    'npm',
    ['install', '--prefix', prefix, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', `node@${major}`],
    { stdio: 'inherit', shell: process.platform === 'win32' },
  );
  version = versionOf(node);
  if (install.status !== 0 || !version?.startsWith(`v${major}.`)) {
    console.error(`test:node: could not install node@${major} (got ${version ?? 'nothing'} at ${node})`);
    process.exit(1);
  }
}

console.log(`test:node: the suite under Node ${version} (${node})`);
const run = spawnSync('npm', ['test', '--', '--skip-nx-cache', ...nxArgs], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, PATH: `${binDir}${delimiter}${process.env.PATH}`, NX_DAEMON: 'false' },
  shell: process.platform === 'win32',
});
process.exit(run.status ?? 1);
