// A reader of the OTLP protobuf wire format, for the test receiver: just the fields the tests assert on
// (opentelemetry-proto trace/v1 and common/v1 field numbers).

interface Field {
  no: number;
  wire: number;
  /** Varint as a bigint, or the raw bytes of fixed-size and length-delimited fields. */
  value: bigint | Buffer;
}

function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = buf[pos++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (pos < buf.length) {
    const tag = Number(varint());
    const no = tag >>> 3;
    const wire = tag & 7;
    if (wire === 0) out.push({ no, wire, value: varint() });
    else if (wire === 1) out.push({ no, wire, value: buf.subarray(pos, (pos += 8)) });
    else if (wire === 5) out.push({ no, wire, value: buf.subarray(pos, (pos += 4)) });
    else if (wire === 2) {
      const length = Number(varint());
      out.push({ no, wire, value: buf.subarray(pos, (pos += length)) });
    } else throw new Error(`unsupported wire type ${wire}`);
  }
  return out;
}

const all = (buf: Buffer, no: number) => fields(buf).filter((f) => f.no === no).map((f) => f.value);
const one = (buf: Buffer, no: number) => all(buf, no)[0];
const text = (value: unknown) => (Buffer.isBuffer(value) ? value.toString('utf8') : undefined);
const hex = (value: unknown) => (Buffer.isBuffer(value) && value.length > 0 ? value.toString('hex') : undefined);

function anyValue(buf: Buffer): unknown {
  const [field] = fields(buf);
  if (field === undefined) return undefined;
  switch (field.no) {
    case 1:
      return text(field.value);
    case 2:
      return field.value === 1n;
    case 3:
      return Number(BigInt.asIntN(64, field.value as bigint));
    case 4:
      return (field.value as Buffer).readDoubleLE(0);
    default:
      return undefined;
  }
}

function keyValues(buf: Buffer, no: number): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const kv of all(buf, no) as Buffer[]) {
    const value = one(kv, 2);
    record[text(one(kv, 1)) ?? ''] = Buffer.isBuffer(value) ? anyValue(value) : undefined;
  }
  return record;
}

/** An `ExportTraceServiceRequest`, in the shape of its JSON encoding's interesting parts. */
export function decodeTraceRequest(body: Buffer) {
  return (all(body, 1) as Buffer[]).map((resourceSpans) => {
    const resource = one(resourceSpans, 1);
    return {
      resource: Buffer.isBuffer(resource) ? keyValues(resource, 1) : {},
      scopeSpans: (all(resourceSpans, 2) as Buffer[]).map((scopeSpans) => {
        const scope = one(scopeSpans, 1);
        return {
          scope: Buffer.isBuffer(scope) ? { name: text(one(scope, 1)), version: text(one(scope, 2)) } : {},
          spans: (all(scopeSpans, 2) as Buffer[]).map((span) => {
            const status = one(span, 15);
            return {
              traceId: hex(one(span, 1)) ?? '',
              spanId: hex(one(span, 2)) ?? '',
              parentSpanId: hex(one(span, 4)),
              name: text(one(span, 5)) ?? '',
              attributes: keyValues(span, 9),
              events: (all(span, 11) as Buffer[]).map((event) => ({ name: text(one(event, 2)) ?? '' })),
              status: Buffer.isBuffer(status)
                ? { code: Number((one(status, 3) as bigint | undefined) ?? 0n), message: text(one(status, 2)) }
                : undefined,
            };
          }),
        };
      }),
    };
  });
}
