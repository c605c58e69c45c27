import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { decodeTraceRequest } from './otlp-protobuf.js';

/** A span as an OTLP/HTTP JSON request carries it, flattened for assertions. */
export interface ReceivedSpan {
  serviceName: string | undefined;
  scope: string | undefined;
  scopeVersion: string | undefined;
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  attributes: Record<string, unknown>;
  status: { code?: number; message?: string } | undefined;
  events: { name: string }[];
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}
interface OtlpKeyValue {
  key: string;
  value: OtlpValue;
}

/**
 * A test server: a real OTLP/HTTP receiver on 127.0.0.1 that accepts `POST /v1/traces` (protobuf or JSON, optionally
 * gzipped), answers as a collector does, and keeps every span it got. With `hang: true` it reads requests and never
 * answers, as a stuck collector does.
 */
export class OtlpTestReceiver {
  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
    readonly spans: ReceivedSpan[],
    readonly requests: { path: string; contentType: string | undefined }[],
  ) {}

  static async start(options: { hang?: boolean } = {}): Promise<OtlpTestReceiver> {
    const spans: ReceivedSpan[] = [];
    const requests: OtlpTestReceiver['requests'] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        requests.push({ path: req.url ?? '', contentType: req.headers['content-type'] });
        if (req.method !== 'POST' || req.url !== '/v1/traces') {
          res.writeHead(404).end();
          return;
        }
        if (options.hang) return;
        let body = Buffer.concat(chunks);
        if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
        const json = (req.headers['content-type'] ?? '').includes('json');
        spans.push(...flatten(json ? JSON.parse(body.toString('utf8')) : { resourceSpans: decodeTraceRequest(body) }));
        if (json) res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        else res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new OtlpTestReceiver(server, `http://127.0.0.1:${port}`, spans, requests);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve, reject) => this.server.close((err) => (err ? reject(err) : resolve())));
  }
}

function flatten(body: {
  resourceSpans?: {
    resource?: { attributes?: OtlpKeyValue[] } | Record<string, unknown>;
    scopeSpans?: {
      scope?: { name?: string; version?: string };
      spans?: {
        name: string;
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        attributes?: OtlpKeyValue[] | Record<string, unknown>;
        status?: { code?: number; message?: string };
        events?: { name: string }[];
      }[];
    }[];
  }[];
}): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of body.resourceSpans ?? []) {
    const resource = toRecord((rs.resource as { attributes?: OtlpKeyValue[] } | undefined)?.attributes ?? rs.resource);
    for (const ss of rs.scopeSpans ?? []) {
      for (const span of ss.spans ?? []) {
        out.push({
          serviceName: resource['service.name'] as string | undefined,
          scope: ss.scope?.name,
          scopeVersion: ss.scope?.version,
          name: span.name,
          traceId: span.traceId,
          spanId: span.spanId,
          parentSpanId: span.parentSpanId || undefined,
          attributes: toRecord(span.attributes),
          status: span.status,
          events: span.events ?? [],
        });
      }
    }
  }
  return out;
}

// JSON carries attributes as key/value lists; the protobuf reader gives them as records already.
function toRecord(attributes: OtlpKeyValue[] | Record<string, unknown> = []): Record<string, unknown> {
  if (!Array.isArray(attributes)) return attributes;
  const record: Record<string, unknown> = {};
  for (const { key, value } of attributes) {
    record[key] =
      value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : undefined) ?? value.doubleValue ??
      value.boolValue;
  }
  return record;
}
