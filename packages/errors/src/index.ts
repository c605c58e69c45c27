export { RbError } from './rb-error.js';
export type { RbErrorOptions } from './rb-error.js';
export { describeValue } from './describe-value.js';
export { OptionReader } from './option-reader.js';
export type { InvalidOptionFactory } from './option-reader.js';
export { refuseRenamedOptions } from './renamed-options.js';
export { redactUrl } from './redact-url.js';
export { describeSchemaIssue, formatFieldPath } from './schema-issue.js';
export type { SchemaIssue } from './schema-issue.js';
