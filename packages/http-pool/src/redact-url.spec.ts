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
});
