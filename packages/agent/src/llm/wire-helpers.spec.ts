import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VERSION } from '../version.js';
import { parseJsonText } from './check-generation.js';
import { redactSecrets } from './redact-secrets.js';
import { canonicalJson, requestHash } from './request-hash.js';
import { strictJsonSchema } from './strict-json-schema.js';

describe('wire helpers', () => {
  it('redacts the configured secrets and anything shaped like a key or a bearer token', () => {
    const text = 'Incorrect API key provided: my-custom-secret. Also sk-proj-abcdefghijk and Bearer abc.def.ghi-123456 seen';
    expect(redactSecrets(text, ['my-custom-secret'])).toBe('Incorrect API key provided: REDACTED. Also REDACTED and REDACTED seen');
    expect(redactSecrets('max_tokens is fine', [])).toBe('max_tokens is fine');
  });

  it('hashes requests independently of key order, and tells different ones apart', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }], u: undefined })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
    expect(requestHash({ a: 1, b: 'x' })).toBe(requestHash({ b: 'x', a: 1 }));
    // A separator typed into a value cannot make two requests collide.
    expect(requestHash({ a: 'x|y', b: 'z' })).not.toBe(requestHash({ a: 'x', b: 'y|z' }));
  });

  it('sends schemas without $schema and value bounds, keeping property names that look like keywords', () => {
    const schema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: { format: { type: 'string', maxLength: 5 }, items: { type: 'array', maxItems: 3, items: { type: 'number', minimum: 0 } } },
      required: ['format', 'items'],
      additionalProperties: false,
    };
    expect(strictJsonSchema(schema)).toEqual({
      type: 'object',
      properties: { format: { type: 'string' }, items: { type: 'array', items: { type: 'number' } } },
      required: ['format', 'items'],
      additionalProperties: false,
    });
  });

  it('reads JSON answers, also inside a Markdown fence', () => {
    expect(parseJsonText('{"a":1}')).toEqual({ a: 1 });
    expect(parseJsonText('```json\n{"a":1}\n```')).toEqual({ a: 1 });
    expect(parseJsonText('Sure! {"a":1}')).toBeUndefined();
  });

  it('keeps VERSION equal to package.json', () => {
    const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    expect(VERSION).toBe(manifest.version);
  });
});
