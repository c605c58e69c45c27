import { PooledIdGenerator } from './pooled-id-generator.js';

describe('PooledIdGenerator', () => {
  it('gives lowercase hex ids of W3C length, all different, across pool refills', () => {
    const ids = new PooledIdGenerator();
    const traces = new Set<string>();
    const spans = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      traces.add(ids.generateTraceId());
      spans.add(ids.generateSpanId());
    }
    expect(traces.size).toBe(10_000);
    expect(spans.size).toBe(10_000);
    expect([...traces].every((id) => /^[0-9a-f]{32}$/.test(id))).toBe(true);
    expect([...spans].every((id) => /^[0-9a-f]{16}$/.test(id))).toBe(true);
  });

  it('never returns an all-zero id, even when the random source gives zeros', () => {
    let calls = 0;
    // Zeros first, then a byte pattern: the all-zero ids are skipped.
    const ids = new PooledIdGenerator((buffer) => buffer.fill(calls++ === 0 ? 0 : 0xab));
    expect(ids.generateTraceId()).toBe('ab'.repeat(16));
    expect(ids.generateSpanId()).toBe('ab'.repeat(8));
  });
});
