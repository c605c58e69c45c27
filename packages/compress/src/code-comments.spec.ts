import { stripComments } from './code-comments.js';
import { languageFamily } from './code-lexer.js';

describe('stripComments', () => {
  it('maps fence tags to language families and leaves unknown ones out', () => {
    expect(['ts', 'TSX'.toLowerCase(), 'python', 'bash', 'cpp', 'go', 'rust'].map(languageFamily)).toEqual([
      'js', 'js', 'python', 'shell', 'c', 'c', 'c',
    ]);
    expect(languageFamily('haskell')).toBeUndefined();
    expect(languageFamily('constructor')).toBeUndefined();
  });

  describe('JavaScript / TypeScript', () => {
    it('removes line and block comments and blank lines, keeping indentation', () => {
      const code = [
        '// header',
        'function f(a) {',
        '',
        '  /** JSDoc',
        '   * @param a',
        '   */',
        '  return a + 1; // one',
        '}',
      ].join('\n');
      expect(stripComments('js', code)).toBe('function f(a) {\n  return a + 1;\n}');
    });

    it('keeps strings, template literals, regexes and URLs that look like comments', () => {
      const code = [
        "const url = 'https://example.com/a//b'; // the API",
        'const t = `/* not a comment */ ${x /* gone */ + 1} // still text`;',
        'const re = /\\/\\/+/g;',
        'const half = total / 2; // a division, then a comment',
      ].join('\n');
      expect(stripComments('js', code)).toBe(
        [
          "const url = 'https://example.com/a//b';",
          'const t = `/* not a comment */ ${x + 1} // still text`;',
          'const re = /\\/\\/+/g;',
          'const half = total / 2;',
        ].join('\n'),
      );
    });

    it('keeps blank lines inside a multi-line template literal, and tool directives', () => {
      const code = 'const sql = `\nSELECT 1\n\nFROM t`;\n// @ts-expect-error wrong on purpose\nf(1);';
      expect(stripComments('js', code)).toBe(code);
    });

    it('never glues two tokens together where a comment separated them', () => {
      expect(stripComments('js', 'let/* c */x = a/**/b;')).toBe('let x = a b;');
    });
  });

  describe('Python', () => {
    it('removes comments but keeps indentation, docstrings, shebang and `# type:` comments', () => {
      const code = [
        '#!/usr/bin/env python3',
        '# a module comment',
        'def f(x):  # trailing',
        '    """Docstring.',
        '',
        '    # not a comment, part of the docstring',
        '    """',
        '    y = "#"  # type: str',
        '',
        '    return y',
      ].join('\n');
      expect(stripComments('python', code)).toBe(
        [
          '#!/usr/bin/env python3',
          'def f(x):',
          '    """Docstring.',
          '',
          '    # not a comment, part of the docstring',
          '    """',
          '    y = "#"  # type: str',
          '    return y',
        ].join('\n'),
      );
    });
  });

  describe('shell', () => {
    it('knows that `#` starts a comment only at a word start, and keeps here-documents', () => {
      const code = [
        '#!/bin/bash',
        '# setup',
        'echo "$#" ${#name} \'a # b\' http://host/#frag # trailing',
        'cat <<EOF',
        '# written to the file',
        'EOF',
      ].join('\n');
      expect(stripComments('shell', code)).toBe(
        [
          '#!/bin/bash',
          'echo "$#" ${#name} \'a # b\' http://host/#frag',
          'cat <<EOF',
          '# written to the file',
          'EOF',
        ].join('\n'),
      );
    });
  });

  it('keeps blank lines of a here-document, including its first', () => {
    const code = 'cat > notes.txt <<EOF\n\n# heading\n\nEOF\n\necho done';
    expect(stripComments('shell', code)).toBe('cat > notes.txt <<EOF\n\n# heading\n\nEOF\necho done');
  });

  describe('C family', () => {
    it('keeps #include lines as written, char literals, raw strings and Rust lifetimes', () => {
      const code = [
        '#include <vendor//odd.h> // keep the whole line',
        '#define N 10 // the size',
        "char q = '\\''; /* quote */",
        'auto s = R"x(// raw " text)x";',
        'let r = r#"a " // b"#;',
        "fn f<'a>(x: &'a str) {} // lifetime",
        '//go:build linux',
      ].join('\n');
      expect(stripComments('c', code)).toBe(
        [
          '#include <vendor//odd.h> // keep the whole line',
          '#define N 10',
          "char q = '\\'';",
          'auto s = R"x(// raw " text)x";',
          'let r = r#"a " // b"#;',
          "fn f<'a>(x: &'a str) {}",
          '//go:build linux',
        ].join('\n'),
      );
    });
  });
});
