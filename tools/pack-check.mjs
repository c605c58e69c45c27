// Installs every package the way users do — `npm pack`, then `npm install` of the tarball into an empty folder outside
// the repo, with the install recipe the READMEs give — runs each of its bins with --help, and its examples/*.mjs with
// plain Node. A package that ships `rb-fetch-model` gets its model that way, as a user does, and its examples use it.
// Run after `nx run-many -t build`.
// Usage: node tools/pack-check.mjs [--npm=<npm command>] [package-folder-name ...]
//   --npm: the npm that installs (e.g. an npm 10, as Node 20 and 22 bring); default `npm`
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const root = join(import.meta.dirname, '..');
const packagesDir = join(root, 'packages');
const npmFlag = process.argv.find((a) => a.startsWith('--npm='));
const npm = npmFlag ? npmFlag.slice('--npm='.length) : 'npm';
// The npx beside that npm, so bins run through the same npm version.
const npx = npmFlag && existsSync(join(dirname(npm), 'npx')) ? join(dirname(npm), 'npx') : 'npx';
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));

const manifests = new Map(
  readdirSync(packagesDir)
    .filter((dir) => existsSync(join(packagesDir, dir, 'package.json')))
    .map((dir) => {
      const manifest = JSON.parse(readFileSync(join(packagesDir, dir, 'package.json'), 'utf8'));
      return [manifest.name, { dir, manifest }];
    }),
);

const work = mkdtempSync(join(tmpdir(), 'rb-pack-check-'));
// onnxruntime-node's install step only downloads CUDA add-ons, which fail offline: the app skips it as the READMEs tell
// users to (below), not through this environment. Examples that embed find the model fetched at set-up through
// RB_MODEL_DIR, unless their package fetches its own.
const env = { ...process.env, RB_MODEL_DIR: process.env.RB_MODEL_DIR ?? join(root, '.models') };
delete env.ONNXRUNTIME_NODE_INSTALL;
delete env.npm_config_onnxruntime_node_install;
const run = (cmd, args, cwd, extraEnv = env) =>
  execFileSync(cmd, args, { cwd, env: extraEnv, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
// The READMEs' offline install recipe: `.npmrc` for npm 10 (Node 20 and 22) and 11, `allowScripts` for npm 11 and later.
const NPMRC = 'onnxruntime-node-install=skip\n';
const ALLOW_SCRIPTS = { 'onnxruntime-node': false };

const tarballs = new Map();
for (const [name, { dir }] of manifests) {
  const out = run(npm, ['pack', '--silent', '--pack-destination', work], join(packagesDir, dir));
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
    JSON.stringify({ name: 'pack-check-app', private: true, type: 'module', overrides, allowScripts: ALLOW_SCRIPTS }),
  );
  writeFileSync(join(app, '.npmrc'), NPMRC);
  // Peers, optional ones included: the examples show the whole package, e.g. @rb/telemetry/sdk needs the SDK.
  const peers = Object.entries(manifest.peerDependencies ?? {}).map(([peer, range]) => `${peer}@${range}`);
  const locals = [...localClosure(name)].map((n) => tarballs.get(n));
  process.stdout.write(`\n${name}: npm install ${locals.length} tarball(s) + ${peers.length} peer(s) in ${app}\n`);
  try {
    run(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...locals, ...peers], app);
    run(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(name)})`], app);
    process.stdout.write(`  import ${name}: ok\n`);
    const bins = Object.keys(typeof manifest.bin === 'string' ? { [name.split('/').pop()]: manifest.bin } : (manifest.bin ?? {}));
    for (const bin of bins) {
      run(npx, ['--loglevel=error', '--no-install', bin, '--help'], app);
      process.stdout.write(`  npx ${bin} --help: ok\n`);
    }
    let exampleEnv = env;
    if (bins.includes('rb-fetch-model')) {
      // What a user runs after installing: the model lands in ./.models, where createEmbedder() looks by default.
      exampleEnv = { ...env };
      delete exampleEnv.RB_MODEL_DIR;
      const output = run(npx, ['--loglevel=error', '--no-install', 'rb-fetch-model'], app, exampleEnv);
      process.stdout.write(`  npx rb-fetch-model: ok\n${output.trimEnd().replace(/^/gm, '    | ')}\n`);
    }
    for (const example of examples) {
      copyFileSync(join(packagesDir, dir, 'examples', example), join(app, example));
      const output = run(process.execPath, [example], app, exampleEnv);
      process.stdout.write(`  examples/${example}: ok\n${output.trimEnd().replace(/^/gm, '    | ')}\n`);
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
