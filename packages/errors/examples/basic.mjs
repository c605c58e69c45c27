// A package-style error class and an options resolver on @rb/errors. Run after `npm i @rb/errors`: node basic.mjs
import { OptionReader, RbError, redactUrl } from '@rb/errors';

class CacheError extends RbError {
  static kind = 'example.CacheError';
  name = 'CacheError';
}

function resolve(options) {
  const invalid = (field, message) => new CacheError({ code: 'INVALID_OPTIONS', field, message });
  const read = new OptionReader(options, ['maxSize', 'ttlSeconds'], invalid);
  return {
    maxSize: read.integer('maxSize', { default: 1000, min: 1, max: 10_000_000 }),
    ttlSeconds: read.number('ttlSeconds', { default: 3600, above: 0, allowInfinity: true }),
  };
}

console.log('defaults:', resolve(undefined));
for (const bad of [{ max_size: 10 }, { maxSize: 0 }, { ttlSeconds: 'an hour' }]) {
  try {
    resolve(bad);
  } catch (error) {
    if (!CacheError.isInstance(error)) throw error;
    console.log(`${error.code} (${error.field}): ${error.message}`);
  }
}
console.log('JSON of an error:', JSON.stringify(new CacheError({ code: 'DOWN', message: 'cache server down', isRetryable: true })));
console.log('redacted:', redactUrl('https://user:secret@api.example.com/v1?api_key=sk-123&stream=true'));
