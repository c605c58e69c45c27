/** The app's version, reported by `health`, the MCP handshake and `rb --version`; a test keeps it equal to package.json's. */
export const VERSION = '0.1.0';
