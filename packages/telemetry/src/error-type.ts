/** The `error.type` value for an error: its string `code` when it has one (`ECONNRESET`, `HTTP_ERROR`), else its name. */
export function errorTypeOf(error: unknown): string {
  if (!(error instanceof Error)) return '_OTHER';
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.length > 0 ? code : error.name;
}
