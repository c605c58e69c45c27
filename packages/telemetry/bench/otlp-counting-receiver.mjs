// An OTLP/HTTP receiver in its own process for the benchmark: answers POST /v1/traces as a collector does and counts
// the spans it got per span name (protobuf or JSON), so the benchmark can report how many were dropped on the way.
import { createServer } from 'node:http';

const spans = {};
const count = (name) => (spans[name] = (spans[name] ?? 0) + 1);

// ExportTraceServiceRequest: resource_spans = 1 -> scope_spans = 2 -> spans = 2 -> name = 5 (length-delimited).
function countProtobufSpans(buf) {
  const children = (b, wanted) => {
    const out = [];
    let pos = 0;
    const varint = () => {
      let result = 0;
      let shift = 0;
      for (;;) {
        const byte = b[pos++];
        result += (byte & 0x7f) * 2 ** shift;
        if ((byte & 0x80) === 0) return result;
        shift += 7;
      }
    };
    while (pos < b.length) {
      const tag = varint();
      const wire = tag & 7;
      if (wire === 0) varint();
      else if (wire === 1) pos += 8;
      else if (wire === 5) pos += 4;
      else {
        const length = varint();
        if (Math.floor(tag / 8) === wanted) out.push(b.subarray(pos, pos + length));
        pos += length;
      }
    }
    return out;
  };
  for (const rs of children(buf, 1)) {
    for (const ss of children(rs, 2)) for (const span of children(ss, 2)) count(children(span, 5)[0].toString('utf8'));
  }
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    if (req.url === '/count') return void res.end(JSON.stringify({ spans }));
    const body = Buffer.concat(chunks);
    const json = (req.headers['content-type'] ?? '').includes('json');
    if (json) {
      for (const rs of JSON.parse(body).resourceSpans ?? []) {
        for (const ss of rs.scopeSpans ?? []) for (const span of ss.spans ?? []) count(span.name);
      }
    } else countProtobufSpans(body);
    res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' }).end(json ? '{}' : '');
  });
});
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('disconnect', () => process.exit(0));
