import { literalIssues, quotedLiterals, taskLiterals } from './task-literals.js';

describe('task literals', () => {
  it('finds quoted strings, URLs, paths and long numbers, not short common words', () => {
    const task = 'Fix "parse_config" in src/app/config.ts so `null` and "x" work; see https://example.com/issue/4711 and order 123456.';
    expect(taskLiterals(task).sort()).toEqual(['123456', '4711', 'https://example.com/issue/4711', 'parse_config', 'src/app/config.ts'].sort());
  });

  it('names the items that quote the task, case-insensitively, error context included', () => {
    const literals = ['parse_config'];
    const clean = { title: 'Validate inputs first', description: 'When parsing configuration.', content: 'Check every field before use.' };
    const quoting = { ...clean, errorContext: { errorType: 'x', failurePattern: 'PARSE_CONFIG crashed', correctiveGuidance: 'y' } };
    expect(quotedLiterals(clean, literals)).toEqual([]);
    expect(quotedLiterals(quoting, literals)).toEqual(['parse_config']);
    expect(literalIssues([clean, quoting], literals)).toEqual([expect.stringMatching(/^items\[1\] quotes this task \("parse_config"\)/)]);
  });
});
