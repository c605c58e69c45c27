/** This package's version, for its instrumentation scope; a test keeps it equal to package.json's. */
export const VERSION = '0.1.0';
