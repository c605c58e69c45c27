/**
 * Comments that tell a tool what to do: dropping one changes what a coverage tool, a linter, a formatter, a type
 * checker, a bundler or a compiler does with the code, or drops a licence a minifier must keep. Matched at the start
 * of any line of a comment, after its markers (`//`, `#`, `/*`, a docblock's `*`), in every language.
 */
const DIRECTIVE = anchored([
  // coverage
  'istanbul\\s', 'c8\\s', 'v8\\s+ignore', 'node:coverage', 'LCOV_EXCL', 'GCOVR_EXCL',
  // JavaScript and TypeScript linters, formatters, type checkers, test runners
  'eslint-(?:disable|enable)', 'prettier-ignore', 'biome-ignore', 'deno-(?:lint|fmt)-ignore', 'dprint-ignore', 'oxlint-',
  '@ts-(?:ignore|expect-error|nocheck|check)\\b', '@(?:jest|vitest)-environment', '@flow\\b', '@noflow\\b', '@format\\b',
  '@prettier\\b', '@jsx\\w*',
  // bundlers and minifiers
  'webpack[A-Z]\\w*\\s*:', '@vite-ignore', 'turbopack\\w*', '[@#]__(?:PURE|NO_SIDE_EFFECTS|INLINE|NOINLINE|KEY)__',
  '[#@]\\s*source(?:Mapping)?URL=', '@cc_on',
  // editors
  '#?\\s*(?:end)?region\\b', '-\\*-', 'vim?:',
  // Python
  'noqa\\b', 'type:', 'pylint:', 'fmt:\\s*(?:on|off|skip)', 'pragma:', 'mypy:', 'pyright:', 'isort:', 'nosec\\b', 'pyre-',
  'ruff:', 'flake8:', 'yapf:', 'pytype:', 'coding[:=]',
  // shell
  'shellcheck\\s', 'shfmt:',
  // C family: Go build tags, C and C++ lint and format switches, Rust safety notes, Java, C#, Swift, Dart, generated code
  '\\+build\\b', 'nolint\\b', 'NOLINT', 'clang-(?:format|tidy)', 'NOSONAR', 'NOPMD', 'CHECKSTYLE', 'noinspection',
  'ReSharper\\s', 'swiftlint:', 'ignore(?:_for_file)?:\\s*[a-z_]', 'SAFETY:', 'Code generated .* DO NOT EDIT',
]);
// ESLint and JSHint read these in block comments only; as line comments they are ordinary English.
const BLOCK_DIRECTIVE = anchored(['eslint(?:-env)?\\s', 'globals?\\s', 'exported\\s', 'jshint\\s', 'jslint\\s']);
const ANYWHERE = /@license\b|@preserve\b|@copyright\b/i;
// Written with no space after the marker, which is how compilers read them (`//go:build`, `//export`, `///<ref`).
const TIGHT = /^(?:\/\/(?:go:|line |export |extern |nolint)|\/\/\/\s*<|\/\*!)/;

/** Whether `comment` (with its markers) holds a tool directive or a licence, and so must stay. */
export function isDirective(comment: string): boolean {
  if (TIGHT.test(comment) || ANYWHERE.test(comment)) return true;
  const block = comment.startsWith('/*');
  for (const raw of comment.split('\n')) {
    const line = raw.replace(/^\s*(?:\/\/+|\/\*+|#+|\*+)?\s*/, '');
    if (DIRECTIVE.test(line) || (block && BLOCK_DIRECTIVE.test(line))) return true;
  }
  return false;
}

function anchored(alternatives: readonly string[]): RegExp {
  return new RegExp(`^(?:${alternatives.join('|')})`);
}
