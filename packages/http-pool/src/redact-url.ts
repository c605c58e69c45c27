// Query parameters that carry credentials in the APIs this pool talks to (Gemini's `key`, signed URLs' `sig`...).
const SECRET_PARAMS = new Set(['key', 'api_key', 'api-key', 'apikey', 'token', 'access_token', 'sig', 'signature', 'x-amz-signature', 'x-goog-signature']);

/** The URL as the OpenTelemetry HTTP conventions want it in `url.full`: no user info, no secret query values. */
export function redactUrl(url: URL): string {
  if (!url.username && !url.password && ![...url.searchParams.keys()].some(isSecret)) return url.href;
  const copy = new URL(url.href);
  if (copy.username) copy.username = 'REDACTED';
  if (copy.password) copy.password = 'REDACTED';
  for (const name of [...new Set(copy.searchParams.keys())]) {
    if (isSecret(name)) copy.searchParams.set(name, 'REDACTED');
  }
  return copy.href;
}

function isSecret(name: string): boolean {
  return SECRET_PARAMS.has(name.toLowerCase());
}
