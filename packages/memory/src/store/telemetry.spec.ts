import { trace, type Span, type Tracer, type TracerProvider } from '@opentelemetry/api';
import { InMemoryMemoryStore } from '../in-memory/in-memory-memory-store.js';
import { createTestEmbedder } from '../testing/test-embedder.js';
import { PACKAGE_VERSION } from '../version.js';

// A minimal recording tracer provider: enough to see which scope asked for a tracer and which spans ran.
const scopes: string[] = [];
const spans: { name: string; attributes: Record<string, unknown>; status?: number }[] = [];
const provider: TracerProvider = {
  getTracer(name: string, version?: string): Tracer {
    scopes.push(`${name}@${version}`);
    const startSpan = (spanName: string, options?: { attributes?: Record<string, unknown> }) => {
      const entry: (typeof spans)[number] = { name: spanName, attributes: { ...options?.attributes } };
      spans.push(entry);
      const span = {
        setAttribute: (key: string, value: unknown) => ((entry.attributes[key] = value), span),
        setAttributes: (values: Record<string, unknown>) => (Object.assign(entry.attributes, values), span),
        setStatus: (status: { code: number }) => ((entry.status = status.code), span),
        recordException: () => undefined,
        addEvent: () => span,
        end: () => undefined,
        isRecording: () => true,
        spanContext: () => ({ traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: 1 }),
      };
      return span as unknown as Span;
    };
    return {
      startSpan,
      startActiveSpan: (spanName: string, ...args: unknown[]) => {
        const fn = args[args.length - 1] as (span: Span) => unknown;
        const options = typeof args[0] === 'object' ? (args[0] as { attributes?: Record<string, unknown> }) : undefined;
        return fn(startSpan(spanName, options));
      },
    } as unknown as Tracer;
  },
};

beforeAll(() => trace.setGlobalTracerProvider(provider));
afterAll(() => trace.disable());

it('records spans under the @rb/memory scope, without query text, and marks failures', async () => {
  const store = new InMemoryMemoryStore({ embedder: createTestEmbedder() });
  await store.addTrace({ workspaceId: 'w', trace: { task: 'secret task text', outcome: 'success' } });
  await store.retrieve({ workspaceId: 'w', query: 'my secret query' });
  await expect(store.updateMemory({ workspaceId: 'w', id: 'missing', patch: { title: 'A new title' } })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  await store.close();
  expect(scopes).toContain(`@rb/memory@${PACKAGE_VERSION}`);
  expect(spans.map((s) => s.name)).toEqual(['memory.add_trace', 'memory.retrieve', 'memory.update_memory']);
  expect(spans[1]!.attributes).toMatchObject({ 'rb.workspace.id': 'w', 'rb.memory.k': 1, 'rb.memory.results': 0 });
  expect(JSON.stringify(spans)).not.toMatch(/secret/);
  expect(spans[2]!.status).toBe(2);
});
