// Compress an agent prompt with the real tokenizer, then fit a prompt made of sections into a small budget.
// Run after `npm i @rb/compress`: node basic.mjs
import { PromptCompressor } from '@rb/compress';

const memory = (n, title) =>
  [
    `### Memory ${n}: ${title}`,
    'Description: edge cases cause most wrong answers on list problems.   ',
    'Content: before writing the general loop, decide what an empty input and a single element return.',
  ].join('\n');

const prompt = [
  'You are an expert software engineer.    Solve the task below step by step.',
  '',
  '',
  '## Relevant memories',
  memory(1, 'Test the empty case first'),
  '',
  memory(2, 'Test the empty case first (again)'),
  '',
  '## Task',
  'Fix `last` so that it works on an empty list:',
  '```python',
  '# Returns the last element.',
  'def last(items):',
  '    return items[-1]  # IndexError on []',
  '```',
].join('\n');

// A low ratio makes even this short prompt go through every content-keeping technique.
const compressor = new PromptCompressor({ maxTokens: 12000, compressionRatio: 0.01, model: 'gpt-4o' });
const { text, report } = compressor.compress(prompt);
console.log(text);
console.log(report);

const sections = compressor.compressSections(
  [
    { name: 'system', text: 'You are an expert software engineer. Answer in JSON.', pinned: true },
    { name: 'memories', text: `${memory(1, 'Test the empty case first')}\n\n${memory(3, 'Copy before sorting')}`, priority: 1 },
    { name: 'previous attempt', text: 'The previous attempt returned None for [] but broke [0]. '.repeat(20), priority: 0 },
    { name: 'task', text: 'Task: fix `last` so that it works on an empty list.', pinned: true },
  ],
  120,
);
console.log(`\n${sections.report.finalTokens} tokens (budget 120):`);
for (const s of sections.sections) console.log(`  ${s.name}: ${s.action}, ${s.originalTokens} -> ${s.finalTokens} tokens`);

compressor.dispose();
