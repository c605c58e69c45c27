import { ToolMetrics } from './tool-metrics.js';

describe('ToolMetrics', () => {
  it('counts calls, errors and cancellations per tool, with latency percentiles of the recent calls', () => {
    const metrics = new ToolMetrics();
    for (let ms = 1; ms <= 100; ms++) metrics.record('retrieve_memories', ms, ms % 10 === 0 ? 'error' : 'ok');
    metrics.record('solve_coding_task', 5000, 'cancelled');
    expect(metrics.snapshot()).toEqual([
      { name: 'retrieve_memories', calls: 100, errors: 10, cancelled: 0, p50Ms: 51, p95Ms: 96, maxMs: 100 },
      { name: 'solve_coding_task', calls: 1, errors: 0, cancelled: 1, p50Ms: 5000, p95Ms: 5000, maxMs: 5000 },
    ]);
  });

  it('keeps the percentiles to the last 1000 calls', () => {
    const metrics = new ToolMetrics();
    for (let i = 0; i < 1000; i++) metrics.record('health', 1000, 'ok');
    for (let i = 0; i < 1000; i++) metrics.record('health', 1, 'ok');
    expect(metrics.snapshot()[0]).toEqual(expect.objectContaining({ calls: 2000, p95Ms: 1, maxMs: 1 }));
  });
});
