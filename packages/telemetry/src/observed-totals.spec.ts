import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ObservedTotals } from './observed-totals.js';
import { VERSION } from './version.js';

// The same as running with --expose-gc: a full collection on demand.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

// A WeakRef keeps its target until the current job ends, and finalization callbacks run as later tasks: yield around
// each collection.
async function collect(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
  await new Promise((resolve) => setImmediate(resolve));
}

// In a function of its own, so that no owner stays in a register or on the stack of the test.
function observeMany(totals: ObservedTotals<'hits'>, count: number): WeakRef<object>[] {
  const refs: WeakRef<object>[] = [];
  for (let i = 0; i < count; i++) {
    const owner = { payload: new Array(100).fill(i) };
    totals.observe('dropped', owner, { hits: 1 });
    refs.push(new WeakRef(owner));
  }
  return refs;
}

describe('ObservedTotals', () => {
  it('does not keep dropped owners alive, and keeps what they counted', async () => {
    const totals = new ObservedTotals({ hits: { name: 'test.hits' } }, 'cache.name');
    const refs = observeMany(totals, 2000);
    expect(totals.size).toBe(2000);
    await collect();
    expect(refs.filter((ref) => ref.deref() !== undefined)).toHaveLength(0);
    expect(totals.size).toBe(0);
    expect(totals.read().get('dropped')).toEqual({ hits: 2000 });
  });

  it('stops reporting a stopped owner exactly once', () => {
    const totals = new ObservedTotals({ hits: { name: 'test.hits' }, misses: { name: 'test.misses' } }, 'cache.name');
    const owner = {};
    const counts = { hits: 2, misses: 1 };
    const stop = totals.observe('a', owner, counts);
    stop();
    stop();
    counts.hits = 50;
    expect(totals.read().get('a')).toEqual({ hits: 2, misses: 1 });
  });
});

describe('VERSION', () => {
  it("is package.json's version (the scope version of @rb/telemetry's own spans)", () => {
    const manifest = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
    expect(VERSION).toBe(manifest.version);
  });
});
