import { createServer } from 'node:net';
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { MemoryError } from '@rb/memory';
import { createTestEmbedder } from '@rb/memory/testing';
import { ChromaMemoryStore } from './chroma-memory-store.js';
import { useChromaTestBed } from './test-support/chroma-fixture.js';
import { LESSONS, rejection, traceOf } from './test-support/lessons.js';

const embedder = createTestEmbedder();
const bed = useChromaTestBed();
const open = async (options: Partial<ConstructorParameters<typeof ChromaMemoryStore>[0]>) => {
  const store = await ChromaMemoryStore.open({ url: bed.chroma.server.url, embedder, collectionPrefix: 'deadlines', ...options });
  return bed.track(store);
};
// The memories' upsert (the commit point of addTrace): its documents are memory records, and it is no journal.
const memoryUpsert = (request: { path: string; body: string }) =>
  request.path.endsWith('/upsert') && request.body.includes('\\"description\\"') && !request.body.includes('"kind"');


describe('every call to Chroma has a deadline', () => {
  // A first write into new collections takes Chroma up to a second: the workspaces are made by a store with the
  // default deadline, and only the calls under test run with a short one.
  it('fails addTrace, retrieve and getTrace with a retryable BACKEND_TIMEOUT while the server is stopped, then works again', async () => {
    const { traceId } = await (await open({})).addTrace(traceOf('w', [LESSONS.sort]));
    const store = await open({ requestTimeoutMs: 1000 });
    process.kill(bed.chroma.server.pid, 'SIGSTOP');
    let failedTrace: Promise<unknown>;
    try {
      for (const call of [
        store.retrieve({ workspaceId: 'w', query: 'how do I order a python list' }),
        store.getTrace({ workspaceId: 'w', id: traceId }),
        (failedTrace = store.addTrace(traceOf('w', [LESSONS.pages], { id: 'late-trace' }))),
      ]) {
        const error = await rejection(call);
        expect(MemoryError.isInstance(error)).toBe(true);
        expect(error).toMatchObject({ code: 'BACKEND_TIMEOUT', isRetryable: true, message: expect.stringContaining('within 1000 ms') });
      }
    } finally {
      process.kill(bed.chroma.server.pid, 'SIGCONT');
    }
    await failedTrace!.catch(() => undefined);
    const after = await open({});
    expect(await after.getTrace({ workspaceId: 'w', id: 'late-trace' })).toBeUndefined();
    const [best] = await after.retrieve({ workspaceId: 'w', query: 'how do I order a python list', minScore: 0 });
    expect(best?.memory.title).toBe(LESSONS.sort.title);
  }, 30_000);

  it('undoes an addTrace whose commit timed out although Chroma applied it: nothing of it stays visible', async () => {
    await (await open({ url: bed.proxy.url })).addTrace(traceOf('undo', [LESSONS.sort]));
    const store = await open({ url: bed.proxy.url, requestTimeoutMs: 2000 });
    const removeRule = bed.proxy.rule({ match: memoryUpsert, delayMs: 4000, once: true });
    try {
      const error = await rejection(store.addTrace(traceOf('undo', [{ ...LESSONS.docker, id: 'm-docker' }], { id: 't-docker' })));
      expect(error).toMatchObject({ code: 'BACKEND_TIMEOUT', isRetryable: true });
    } finally {
      removeRule();
    }
    const fresh = await open({ url: bed.proxy.url, enableMemoryCache: false });
    expect(await fresh.getTrace({ workspaceId: 'undo', id: 't-docker' })).toBeUndefined();
    expect(await fresh.getMemories({ workspaceId: 'undo', ids: ['m-docker'] })).toEqual([undefined]);
    const found = await fresh.retrieve({ workspaceId: 'undo', query: LESSONS.docker.content, minScore: 0, k: 10 });
    expect(found.map((r) => r.memory.title)).toEqual([LESSONS.sort.title]);
  }, 60_000);

  it('reports a server that does not answer as a retryable BACKEND_UNAVAILABLE naming the URL', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const error = await rejection(ChromaMemoryStore.open({ url: `http://127.0.0.1:${port}`, embedder }));
    expect(error).toMatchObject({ code: 'BACKEND_UNAVAILABLE', isRetryable: true, message: expect.stringContaining(`http://127.0.0.1:${port}`) });
  });
});

describe('a Chroma URL with credentials', () => {
  const SECRET = /s3cr|alice/;
  const url = () => bed.proxy.url.replace('http://', 'http://alice:s3cr%40t@');

  it('sends them as Basic auth on every request, and sends the headers option', async () => {
    const from = bed.proxy.requests.length;
    const store = await open({ url: url(), headers: { 'X-Chroma-Token': 'token-1' } });
    await store.addTrace(traceOf('creds', [LESSONS.schema]));
    await store.retrieve({ workspaceId: 'creds', query: 'unknown column in a SQL query' });
    const sent = bed.proxy.requests.slice(from);
    expect(sent.length).toBeGreaterThan(3);
    for (const request of sent) {
      expect(request.headers['authorization']).toBe(`Basic ${Buffer.from('alice:s3cr@t').toString('base64')}`);
      expect(request.headers['x-chroma-token']).toBe('token-1');
    }
  });

  it('never shows them: not in .url, error messages, JSON, health(), or spans', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    trace.setGlobalTracerProvider(provider);
    try {
      const store = await open({ url: url() });
      expect(store.url).not.toMatch(SECRET);
      expect(store.url).toContain('REDACTED');
      await store.addTrace(traceOf('creds-2', [LESSONS.pages]));
      bed.proxy.cut();
      try {
        const error = await rejection(store.retrieve({ workspaceId: 'creds-2', query: 'a web listing with several pages' }));
        expect(error).toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
        expect(error.message).toContain('REDACTED');
        expect(`${error.message} ${JSON.stringify(error)} ${String(error.stack)}`).not.toMatch(SECRET);
        const health = await store.health();
        expect(health.ok).toBe(false);
        expect(JSON.stringify(health)).not.toMatch(SECRET);
      } finally {
        bed.proxy.restore();
      }
      await provider.forceFlush();
      const spans = exporter.getFinishedSpans();
      expect(spans.some((span) => span.name === 'chroma query' && span.attributes['server.address'] === '127.0.0.1')).toBe(true);
      expect(spans.some((span) => span.status.code === 2)).toBe(true);
      expect(JSON.stringify(spans.map((span) => [span.name, span.attributes, span.events, span.status]))).not.toMatch(SECRET);
    } finally {
      trace.disable();
      await provider.shutdown();
    }
  });
});
