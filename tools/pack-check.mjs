// Installs every package the way users do — `npm pack`, then `npm install` of the tarball into an empty folder outside
// the repo — and runs its examples/*.mjs there with plain Node. Run after `nx run-many -t build`.
// Usage: node tools/pack-check.mjs [package-folder-name ...]
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const packagesDir = join(root, 'packages');
const only = process.argv.slice(2);

const manifests = new Map(
  readdirSync(packagesDir)
    .filter((dir) => existsSync(join(packagesDir, dir, 'package.json')))
    .map((dir) => {
      const manifest = JSON.parse(readFileSync(join(packagesDir, dir, 'package.json'), 'utf8'));
      return [manifest.name, { dir, manifest }];
    }),
);

const work = mkdtempSync(join(tmpdir(), 'rb-pack-check-'));
// onnxruntime-node's install step only downloads CUDA add-ons, which fail offline: users skip it the same way. Examples
// that embed find the model fetched at set-up through RB_MODEL_DIR.
const env = {
  ...process.env,
  ONNXRUNTIME_NODE_INSTALL: 'skip',
  RB_MODEL_DIR: process.env.RB_MODEL_DIR ?? join(root, '.models'),
};
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

const tarballs = new Map();
for (const [name, { dir }] of manifests) {
  const out = run('npm', ['pack', '--silent', '--pack-destination', work], join(packagesDir, dir));
  tarballs.set(name, join(work, out.trim().split('\n').pop()));
}

// The package and the workspace packages it depends on, as tarballs, since none is on the registry yet.
function localClosure(name, seen = new Set()) {
  if (seen.has(name)) return seen;
  seen.add(name);
  for (const dep of Object.keys(manifests.get(name).manifest.dependencies ?? {})) {
    if (manifests.has(dep)) localClosure(dep, seen);
  }
  return seen;
}

let failures = 0;
for (const [name, { dir, manifest }] of manifests) {
  if (only.length > 0 && !only.includes(dir)) continue;
  const examples = existsSync(join(packagesDir, dir, 'examples'))
    ? readdirSync(join(packagesDir, dir, 'examples')).filter((f) => f.endsWith('.mjs'))
    : [];
  const app = mkdtempSync(join(work, `${dir}-`));
  // The root's npm overrides are what a user on Debian 12 needs too (Chroma's server binding that loads on glibc 2.36).
  const overrides = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).overrides ?? {};
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'pack-check-app', private: true, type: 'module', overrides }),
  );
  // Peers, optional ones included: the examples show the whole package, e.g. @rb/telemetry/sdk needs the SDK.
  const peers = Object.entries(manifest.peerDependencies ?? {}).map(([peer, range]) => `${peer}@${range}`);
  const locals = [...localClosure(name)].map((n) => tarballs.get(n));
  process.stdout.write(`\n${name}: npm install ${locals.length} tarball(s) + ${peers.length} peer(s) in ${app}\n`);
  try {
    run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...locals, ...peers], app);
    run(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(name)})`], app);
    process.stdout.write(`  import ${name}: ok\n`);
    for (const example of examples) {
      copyFileSync(join(packagesDir, dir, 'examples', example), join(app, example));
      const output = run(process.execPath, [example], app);
      process.stdout.write(`  examples/${example}: ok\n${output.replace(/^/gm, '    | ')}\n`);
    }
  } catch (error) {
    failures += 1;
    process.stdout.write(`  FAILED: ${error.message}\n${error.stdout ?? ''}\n`);
  }
}

rmSync(work, { recursive: true, force: true });
if (failures > 0) {
  console.error(`\npack-check: ${failures} package(s) failed`);
  process.exit(1);
}
console.log('\npack-check: every package installed from its tarball and ran its examples');
