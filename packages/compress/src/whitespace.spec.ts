import { collapseWhitespace } from './whitespace.js';

describe('collapseWhitespace', () => {
  it('returns the very same lines when nothing changes, a final line break and single blank lines included', () => {
    const lines = ['# Title', '', 'one line', '  - an indented item', ''];
    expect(collapseWhitespace(lines)).toBe(lines);
  });

  it('collapses runs of blanks and spaces, drops trailing spaces and carriage returns, and keeps indentation', () => {
    expect(collapseWhitespace(['a  b\t c ', '', '', '   ', '    code  here\r', ''])).toEqual(['a b c', '', '    code here', '']);
  });

  it('drops leading blank lines', () => {
    expect(collapseWhitespace(['', '  ', 'text'])).toEqual(['text']);
  });
});
