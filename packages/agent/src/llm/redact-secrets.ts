// Shapes of credentials a provider may echo back in an error body ("Incorrect API key provided: sk-..."), redacted
// even when they are not the configured key (a key from another source, or one a proxy added).
const CREDENTIAL_PATTERNS = [/\b(?:sk|rk|pk)-[A-Za-z0-9_-]{8,}/g, /\bBearer\s+[A-Za-z0-9._~+/=-]{8,}/gi];

/** `text` with every known secret and anything shaped like an API key replaced by `REDACTED`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length > 0) out = out.split(secret).join('REDACTED');
  }
  for (const pattern of CREDENTIAL_PATTERNS) out = out.replace(pattern, 'REDACTED');
  return out;
}
