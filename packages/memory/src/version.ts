// The instrumentation scope's version. A test keeps it equal to package.json's `version`.
export const PACKAGE_VERSION = '0.1.0';
