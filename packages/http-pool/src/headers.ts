import { describeValue, type InvalidOptionFactory } from '@rb/errors';

// RFC 9110 token characters: a header name or method with anything else would be refused by undici after the
// request started, or worse, split the request.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// A field value may hold tabs, visible ASCII and obs-text; CR, LF and NUL would let a value inject another header.
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

const EMPTY: Readonly<Record<string, string>> = Object.freeze({});

export function isToken(text: string): boolean {
  return TOKEN.test(text);
}

export function isHeaderValue(text: string): boolean {
  return !INVALID_VALUE.test(text);
}

/** Checks a headers object and returns it with lower-case names; the same object when it already was. */
export function checkHeaders(headers: unknown, field: string, invalid: InvalidOptionFactory): Readonly<Record<string, string>> {
  if (headers === undefined) return EMPTY;
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) {
    throw invalid(field, `${field} must be an object of header names to strings, got ${describeValue(headers)}`);
  }
  let lowerCase = true;
  for (const name in headers) {
    if (!Object.hasOwn(headers, name)) continue;
    const value = (headers as Record<string, unknown>)[name];
    if (!TOKEN.test(name)) throw invalid(`${field}.${name}`, `header name ${describeValue(name)} is not a valid HTTP token`);
    if (typeof value !== 'string') throw invalid(`${field}.${name}`, `${field}.${name} must be a string, got ${describeValue(value)}`);
    if (INVALID_VALUE.test(value)) {
      throw invalid(`${field}.${name}`, `${field}.${name} holds a character not allowed in a header value (CR, LF, NUL or another control)`);
    }
    if (lowerCase && name !== name.toLowerCase()) lowerCase = false;
  }
  if (lowerCase) return headers as Record<string, string>;
  const out: Record<string, string> = {};
  for (const name in headers) {
    if (Object.hasOwn(headers, name)) out[name.toLowerCase()] = (headers as Record<string, string>)[name]!;
  }
  return out;
}
