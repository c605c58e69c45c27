// Query parameters that carry credentials in the APIs we talk to (Gemini's `key`, OAuth tokens, signed S3 / GCS
// URLs...). Compared lower-case.
const SECRET_PARAMS = new Set([
  'key',
  'api_key',
  'api-key',
  'apikey',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'client_secret',
  'password',
  'passwd',
  'secret',
  'auth',
  'sig',
  'signature',
  'x-amz-signature',
  'x-amz-credential',
  'x-amz-security-token',
  'x-goog-signature',
  'x-goog-credential',
]);

/**
 * A URL safe to show in an error, a log or a span's `url.full`: user info, secret-looking query values and the
 * fragment are replaced by `REDACTED`. A string that does not parse as a URL is redacted by pattern, so the message of
 * an invalid-URL error cannot leak either.
 */
export function redactUrl(url: URL | string): string {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch {
    return redactUnparsed(String(url));
  }
  const secretParam = [...parsed.searchParams.keys()].some(isSecret);
  if (!parsed.username && !parsed.password && !secretParam && !parsed.hash) return parsed.href;
  const copy = new URL(parsed.href);
  if (copy.username) copy.username = 'REDACTED';
  if (copy.password) copy.password = 'REDACTED';
  if (copy.hash) copy.hash = 'REDACTED';
  for (const name of [...new Set(copy.searchParams.keys())]) {
    if (isSecret(name)) copy.searchParams.set(name, 'REDACTED');
  }
  return copy.href;
}

// The last word of a parameter name that says it holds a credential: `X-Amz-Security-Token`, `session_token`,
// `privateKey`, `x-api-key`, `client-secret`. The last word only: `max_tokens` or `token_count` are not secrets.
const SECRET_LAST_WORDS = new Set([
  'token',
  'secret',
  'password',
  'passwd',
  'pwd',
  'signature',
  'sig',
  'credential',
  'credentials',
  'apikey',
  'key',
  'jwt',
]);

function isSecret(name: string): boolean {
  if (SECRET_PARAMS.has(name.toLowerCase())) return true;
  const words = name.split(/[-_.\s]+|(?<=[a-z0-9])(?=[A-Z])/);
  return SECRET_LAST_WORDS.has(words[words.length - 1]!.toLowerCase());
}

function redactUnparsed(text: string): string {
  return text
    .replace(/(\/\/)[^/?#@]*@/g, '$1REDACTED@')
    .replace(/([?&;])([^=&#\s]+)=([^&#\s]*)/g, (match, sep: string, name: string) =>
      isSecret(decodeSafe(name)) ? `${sep}${name}=REDACTED` : match,
    )
    .replace(/#.*$/s, '#REDACTED');
}

function decodeSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
