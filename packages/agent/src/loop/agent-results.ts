import type { RetrievedMemory, TokenUsage, TrajectoryStep } from '@rb/memory';
import type { PlannedMemory, SkippedMemory } from '../extract/consolidate.js';
import type { ExtractedMemory } from '../extract/memory-item-schemas.js';
import type { JudgedOutcome } from '../judge/judge-trajectory.js';
import type { AttemptSummary } from '../scaling/matts-parallel.js';
import type { StopReason } from './reasoning-loop.js';
import type { AgentPhase } from './run-context.js';

/** A memory stored by a run, with its genealogy (`parentId`, `derivedFrom`, `evolutionStage`). */
export type LearnedMemory = PlannedMemory;

/** A failure that did not lose the run's result: a judge, extraction or storage step that could not complete, or a progress listener that threw. */
export interface StepFailure {
  phase: AgentPhase;
  error: Error;
}

/** What a run cost. */
export interface RunStatistics {
  /** Tokens billed (cache hits excluded): input, output, and of those reasoning and cached-input tokens. */
  usage: Required<TokenUsage>;
  /** Model calls made, and how many were answered from a response cache. */
  calls: number;
  cacheHits: number;
  /** Prompt tokens before and after fitting with `@rb/compress`, summed over the calls. */
  promptTokens: { original: number; sent: number };
  /** Named durations, in ms. */
  timings: { name: string; ms: number }[];
}

/** What was learned from a judged run. */
export interface Learning {
  /** The judge's label (or the caller's); `unknown` when the judge failed: then nothing was learned or stored. */
  outcome: JudgedOutcome;
  judgeReasoning: string;
  /** Memories stored with the trace. */
  learned: LearnedMemory[];
  /** Memories not stored because the bank already has them. */
  skipped: SkippedMemory[];
  /** Memories left out because they quoted the task even after a repair. */
  dropped: ExtractedMemory[];
  /** The stored trace, when one was stored. */
  traceId: string | undefined;
  /** Steps that failed without losing the result (judge, extraction, consolidation, storage). */
  errors: StepFailure[];
}

export interface SolveResult extends Learning, RunStatistics {
  /** The best answer of the run. */
  answer: string;
  /** Its self-evaluation score (0-1), when it could be evaluated. */
  score: number | undefined;
  stopReason: StopReason;
  /** Think / refine rounds (summed over MaTTS attempts; for sequential MaTTS, 1 + the re-examinations). */
  iterations: number;
  trajectory: TrajectoryStep[];
  /** The memories that were in the prompt, with their scores. */
  memoriesUsed: RetrievedMemory[];
  /** For a MaTTS run: the attempts and which one won. */
  matts?: { mode: 'parallel' | 'sequential'; k: number; bestAttempt: number; attempts: AttemptSummary[] };
}

export interface LearnResult extends Learning, RunStatistics {}
