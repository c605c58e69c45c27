import type { TrajectoryStep } from '@rb/memory';

const LABELS: Record<TrajectoryStep['kind'], string> = {
  think: 'answer',
  refine: 'revised answer',
  evaluate: 'self-review',
  candidate: 'attempt',
  contrast: 'comparison of attempts',
  reflection: 'check-again reflection',
  action: 'action',
  observation: 'observation',
};

/** A trajectory as the judge and the extraction read it: numbered steps with their scores and feedback. */
export function renderTrajectory(steps: readonly TrajectoryStep[]): string {
  return steps
    .map((step, i) => {
      const head = [`### Step ${i + 1}: ${LABELS[step.kind]}`];
      if (step.attempt !== undefined) head.push(`(attempt ${step.attempt + 1})`);
      if (step.score !== undefined) head.push(`(score ${step.score.toFixed(2)})`);
      const body = [step.output.trim() || '(empty)'];
      if (step.feedback !== undefined && step.feedback.trim() !== '' && step.feedback !== step.output) body.push(`Feedback: ${step.feedback.trim()}`);
      return `${head.join(' ')}\n${body.join('\n')}`;
    })
    .join('\n\n');
}
