// Prompts of the think -> refine loop. Our own wording; the structure follows the ReasoningBank paper: retrieved
// memory items go into the prompt as short titled lessons the model may use or ignore.

import type { MemoryItem } from '@rb/memory';

export const SOLVE_INSTRUCTIONS = `You are an expert problem solver working on software and reasoning tasks.
Work the task out carefully, then give a complete answer that someone can use as it is.
When lessons from earlier tasks are given, apply those that fit this task and ignore those that do not; never let a lesson override what the task itself asks.`;

export const ANSWER_FORMAT = `## What to write
Give the complete final answer. Put any code in fenced code blocks with the language named. Explain briefly what you did and why, and state any assumption you had to make.`;

export const REFINE_NOTE = `## How to revise
Write an improved, complete answer (not a list of changes): keep what the previous answer got right and fix every issue the reviewer raised.`;

/** The retrieved memories as a prompt section; failure-derived ones also say what to avoid. */
export function memoriesSection(memories: readonly Pick<MemoryItem, 'title' | 'description' | 'content' | 'errorContext'>[]): string {
  if (memories.length === 0) return '';
  const items = memories.map((m, i) => {
    const lines = [`### ${i + 1}. ${m.title}`, `When it applies: ${m.description}`, m.content];
    if (m.errorContext) {
      lines.push(`Mistake to avoid: ${m.errorContext.failurePattern} Instead: ${m.errorContext.correctiveGuidance}`);
    }
    return lines.join('\n');
  });
  return `## Lessons from earlier tasks\nLearned while solving similar tasks; use them only where they fit.\n\n${items.join('\n\n')}`;
}

export function taskSection(task: string): string {
  return `## Task\n${task}`;
}

export function previousAnswerSection(answer: string, score: number | undefined): string {
  return `## Your previous answer${score === undefined ? '' : ` (reviewer score ${score.toFixed(2)} of 1)`}\n${answer}`;
}

export function feedbackSection(feedback: string, issues: readonly string[]): string {
  const list = issues.length > 0 ? `\n\nIssues found:\n${issues.map((i) => `- ${i}`).join('\n')}` : '';
  return `## Reviewer feedback\n${feedback}${list}`;
}

export function olderAttemptsSection(attempts: readonly { answer: string; score: number | undefined }[]): string {
  if (attempts.length === 0) return '';
  const parts = attempts.map((a, i) => `### Attempt ${i + 1}${a.score === undefined ? '' : ` (score ${a.score.toFixed(2)})`}\n${a.answer}`);
  return `## Earlier attempts\n${parts.join('\n\n')}`;
}
