import { redactUrl } from './redact-url.js';

describe('redactUrl', () => {
  it('keeps an ordinary URL as it is', () => {
    expect(redactUrl(new URL('https://api.openai.com/v1/chat/completions?stream=true'))).toBe(
      'https://api.openai.com/v1/chat/completions?stream=true',
    );
  });

  it('hides user info and credential query values', () => {
    expect(redactUrl(new URL('https://me:pw@generativelanguage.googleapis.com/v1/models?key=AIza123&alt=sse'))).toBe(
      'https://REDACTED:REDACTED@generativelanguage.googleapis.com/v1/models?key=REDACTED&alt=sse',
    );
  });

  it.each([
    ['client_secret', 'https://h/x?client_secret=s3cr3t'],
    ['refresh_token', 'https://h/x?refresh_token=s3cr3t'],
    ['X-Amz-Signature', 'https://b.s3.amazonaws.com/o?X-Amz-Credential=s3cr3t&X-Amz-Signature=s3cr3t&X-Amz-Security-Token=s3cr3t'],
    ['password', 'https://h/x?Password=s3cr3t'],
    ['fragment', 'https://h/cb#access_token=s3cr3t'],
  ])('hides %s', (_name, url) => {
    expect(redactUrl(url)).not.toContain('s3cr3t');
    expect(redactUrl(url)).toContain('REDACTED');
  });

  it.each(['session_token', 'X-Goog-Security-Token', 'privateKey', 'x-api-key', 'subscription-key', 'client-secret', 'auth_sig', 'db.password'])(
    'hides a parameter whose name ends in a credential word: %s',
    (name) => {
      expect(redactUrl(`https://h/x?${name}=s3cr3t&q=1`)).toBe(`https://h/x?${name}=REDACTED&q=1`);
    },
  );

  it('keeps parameters that merely mention tokens or keys', () => {
    const url = 'https://h/x?max_tokens=100&token_count=3&keyword=cat&monkey=1';
    expect(redactUrl(url)).toBe(url);
  });

  it('redacts a string that is not a valid URL by pattern', () => {
    const shown = redactUrl('http://user:pa ss@host:99999/x?api_key=s3cr3t&q=1');
    expect(shown).not.toMatch(/pa ss|s3cr3t/);
    expect(shown).toContain('q=1');
  });
});
