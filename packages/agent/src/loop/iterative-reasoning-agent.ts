import type { RetrieveRequest, RetrievedMemory, TrajectoryStep } from '@rb/memory';
import { ATTR_GEN_AI_OPERATION_NAME, ATTR_GEN_AI_REQUEST_MODEL, GEN_AI_OPERATION } from '@rb/telemetry';
import { AgentError, invalidInput, invalidOptions } from '../errors.js';
import { judgeTrajectory, type Verdict } from '../judge/judge-trajectory.js';
import { parseInput } from '../parse-input.js';
import { runParallelScaling, type ScaledRun } from '../scaling/matts-parallel.js';
import { runSequentialScaling } from '../scaling/matts-sequential.js';
import { instrumentation } from '../telemetry.js';
import { resolveAgentOptions, type AgentOptions, type AgentSettings } from './agent-options.js';
import { LearnRequestSchema, SolveRequestSchema, type LearnRequest, type SolveRequest } from './agent-requests.js';
import type { LearnResult, RunStatistics, SolveResult, StepFailure } from './agent-results.js';
import { learnFromRun } from './learning.js';
import { PromptFitter } from './prompt-fitter.js';
import { runReasoningLoop } from './reasoning-loop.js';
import { RunContext } from './run-context.js';
import type { StepEnv } from './step-env.js';

const ATTR_AGENT_NAME = 'gen_ai.agent.name';

/**
 * The ReasoningBank agent, after the seed's `IterativeReasoningAgent`: retrieve memories -> think -> evaluate ->
 * refine -> judge -> extract -> consolidate -> store, or the same with MaTTS. Every run keeps its own state (budget,
 * usage, progress, cancellation), so concurrent runs share nothing mutable. Call `close()` when done.
 */
export class IterativeReasoningAgent {
  readonly #settings: AgentSettings;
  readonly #fitter: PromptFitter;
  #closed = false;

  constructor(options: AgentOptions) {
    this.#settings = resolveAgentOptions(options).settings;
    this.#fitter = new PromptFitter({ ...this.#settings, modelId: this.#settings.model.modelId });
  }

  /** The resolved options, defaults applied. */
  get settings(): Readonly<AgentSettings> {
    return this.#settings;
  }

  /** Solves a task, then (with a store) judges the run and learns from it. Bad input rejects with `INVALID_INPUT`. */
  async solve(request: SolveRequest): Promise<SolveResult> {
    const input = parseInput(SolveRequestSchema, request, 'request') as SolveRequest;
    this.#assertOpen();
    const s = this.#settings;
    const useMemory = (input.useMemory ?? true) && s.store !== undefined && s.retrievalK > 0;
    const judge = input.judge ?? true;
    const learn = (input.learn ?? true) && judge && s.store !== undefined;
    if ((useMemory || learn) && input.workspaceId === undefined) {
      throw invalidInput('workspaceId', 'workspaceId is required to retrieve or learn with a store (or pass useMemory: false and learn: false)');
    }
    return instrumentation.withSpan(
      'invoke_agent reasoning-bank',
      { [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION.INVOKE_AGENT, [ATTR_AGENT_NAME]: 'reasoning-bank', [ATTR_GEN_AI_REQUEST_MODEL]: s.model.modelId },
      () => this.#solve(input, { useMemory, judge, learn }),
    );
  }

  async #solve(input: SolveRequest, flags: { useMemory: boolean; judge: boolean; learn: boolean }): Promise<SolveResult> {
    const s = this.#settings;
    const k = input.matts?.k ?? 1;
    const iterations = input.budget?.iterations ?? s.maxIterations;
    const loopSteps = input.matts === undefined ? 2 * iterations : input.matts.mode === 'parallel' ? k * (2 * iterations + 1) + 1 : k + 2;
    const env = this.#env(input, (flags.useMemory ? 1 : 0) + loopSteps + (flags.judge ? 1 : 0) + (flags.learn ? 3 : 0));
    const { ctx } = env;
    const errors: StepFailure[] = [];
    try {
      const memoriesUsed = flags.useMemory ? await this.#retrieve(env, input, errors) : [];
      const memories = memoriesUsed.map((r) => r.memory);
      let run: ScaledRun;
      if (input.matts?.mode === 'parallel') {
        run = await ctx.timed('matts-parallel', () =>
          runParallelScaling(env, { task: input.task, memories, k, concurrency: s.mattsConcurrency ?? k, maxIterations: iterations, learn: flags.learn }),
        );
      } else if (input.matts?.mode === 'sequential') {
        run = await ctx.timed('matts-sequential', () => runSequentialScaling(env, { task: input.task, memories, k, learn: flags.learn }));
      } else {
        const loop = await ctx.timed('loop', () => runReasoningLoop(env, { task: input.task, memories, maxIterations: iterations, temperature: s.generationTemperature }));
        const verdict: Verdict = flags.judge
          ? await ctx.timed('judge', () => judgeTrajectory(env, { task: input.task, steps: loop.steps, finalAnswer: loop.answer }))
          : { outcome: 'unknown', reasoning: '' };
        const { error: stopError, ...rest } = loop;
        run = { ...rest, bestAttempt: 0, attempts: [], verdict, extraction: undefined, ...(stopError === undefined ? {} : { stopError }) };
      }
      // A budget stop is told by `stopReason`; these failures cost the rest of the loop, not the answer.
      if (run.stopError !== undefined && (run.stopReason === 'evaluation-failed' || run.stopReason === 'error')) {
        errors.push({ phase: run.stopReason === 'evaluation-failed' ? 'evaluate' : 'refine', error: run.stopError });
      }
      const learning = await ctx.timed('learn', () =>
        learnFromRun(env, {
          store: s.store,
          workspaceId: input.workspaceId,
          task: input.task,
          steps: run.steps,
          finalAnswer: run.answer,
          verdict: run.verdict,
          learn: flags.learn,
          ...(run.extraction === undefined ? {} : { extraction: run.extraction }),
          ...(run.extractionError === undefined ? {} : { extractionError: run.extractionError }),
          usedMemoryIds: memoriesUsed.map((r) => r.memory.id),
          ...(input.domain === undefined ? {} : { domain: input.domain }),
          ...(input.tags === undefined ? {} : { tags: input.tags }),
        }),
      );
      ctx.finish(`done: ${learning.outcome}, ${learning.learned.length} memories learned`);
      return {
        answer: run.answer,
        score: run.score,
        stopReason: run.stopReason,
        iterations: run.iterations,
        trajectory: run.steps,
        memoriesUsed,
        ...learning,
        errors: [...errors, ...learning.errors, ...(ctx.listenerError ? [ctx.listenerError] : [])],
        ...statistics(ctx),
        ...(input.matts === undefined ? {} : { matts: { mode: input.matts.mode, k, bestAttempt: run.bestAttempt, attempts: run.attempts } }),
      };
    } finally {
      ctx.dispose();
    }
  }

  /**
   * Learns from a trajectory produced elsewhere (the coding assistant that calls the MCP server, say): judges it
   * unless `outcome` is given, extracts memories with the success or failure prompt, consolidates them against the
   * bank and stores them with the trace.
   */
  async learn(request: LearnRequest): Promise<LearnResult> {
    const input = parseInput(LearnRequestSchema, request, 'request') as LearnRequest;
    this.#assertOpen();
    if (this.#settings.store === undefined) throw invalidOptions('store', 'learn needs a store: pass store (a MemoryStore) to the agent');
    if (input.workspaceId === undefined) throw invalidInput('workspaceId', 'workspaceId is required to learn');
    return instrumentation.withSpan('rb.agent.learn', { [ATTR_GEN_AI_REQUEST_MODEL]: this.#settings.judgeModel.modelId }, () => this.#learn(input));
  }

  async #learn(input: LearnRequest): Promise<LearnResult> {
    const env = this.#env(input, (input.outcome === undefined ? 1 : 0) + 3);
    const { ctx } = env;
    try {
      const steps: TrajectoryStep[] = typeof input.trajectory === 'string' ? [{ kind: 'action', output: input.trajectory }] : input.trajectory;
      const verdict: Verdict =
        input.outcome !== undefined
          ? { outcome: input.outcome, reasoning: input.judgeReasoning ?? '' }
          : await ctx.timed('judge', () => judgeTrajectory(env, { task: input.task, steps, ...(input.finalAnswer === undefined ? {} : { finalAnswer: input.finalAnswer }) }));
      const learning = await ctx.timed('learn', () =>
        learnFromRun(env, {
          store: this.#settings.store,
          workspaceId: input.workspaceId,
          task: input.task,
          steps,
          ...(input.finalAnswer === undefined ? {} : { finalAnswer: input.finalAnswer }),
          verdict,
          learn: true,
          usedMemoryIds: [],
          ...(input.domain === undefined ? {} : { domain: input.domain }),
          ...(input.tags === undefined ? {} : { tags: input.tags }),
        }),
      );
      ctx.finish(`done: ${learning.outcome}, ${learning.learned.length} memories learned`);
      return { ...learning, ...(ctx.listenerError ? { errors: [...learning.errors, ctx.listenerError] } : {}), ...statistics(ctx) };
    } finally {
      ctx.dispose();
    }
  }

  /** The memories most relevant to `query` in a workspace, as the store ranks them (k defaults to `retrievalK`). */
  async retrieve(request: RetrieveRequest): Promise<RetrievedMemory[]> {
    this.#assertOpen();
    const s = this.#settings;
    if (s.store === undefined) throw invalidOptions('store', 'retrieve needs a store: pass store (a MemoryStore) to the agent');
    if (typeof request !== 'object' || request === null) throw invalidInput('request', 'request must be an object');
    return s.store.retrieve({
      ...(s.minRelevance === undefined ? {} : { minScore: s.minRelevance }),
      includeFailures: s.includeFailureMemories,
      ...request,
      k: request.k ?? Math.max(1, s.retrievalK),
    });
  }

  /** Frees the prompt tokenizer. Later calls throw `CLOSED`. The model and the store are the caller's to close. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#fitter.dispose();
  }

  #assertOpen(): void {
    if (this.#closed) throw new AgentError({ code: 'CLOSED', message: 'the agent is closed; create a new one' });
  }

  #env(input: { signal?: AbortSignal; onProgress?: SolveRequest['onProgress']; budget?: { tokens?: number; timeMs?: number } }, totalSteps: number): StepEnv {
    const s = this.#settings;
    const ctx = new RunContext({
      signal: input.signal,
      tokenBudget: input.budget?.tokens ?? s.tokenBudget,
      timeBudgetMs: input.budget?.timeMs ?? s.timeBudgetMs,
      now: s.now,
      countTokens: (text) => this.#fitter.countTokens(text),
      onProgress: input.onProgress,
      totalSteps,
    });
    return { ctx, model: ctx.wrap(s.model), judgeModel: ctx.wrap(s.judgeModel), fitter: this.#fitter, settings: s };
  }

  async #retrieve(env: StepEnv, input: SolveRequest, errors: StepFailure[]): Promise<RetrievedMemory[]> {
    const s = this.#settings;
    env.ctx.progress('retrieve', 'retrieving memories');
    env.ctx.checkpoint();
    try {
      return await env.ctx.timed('retrieve', () =>
        s.store!.retrieve({
          workspaceId: input.workspaceId!,
          query: input.task.slice(0, 20_000),
          k: s.retrievalK,
          includeFailures: s.includeFailureMemories,
          ...(s.minRelevance === undefined ? {} : { minScore: s.minRelevance }),
          ...(input.domain === undefined ? {} : { domain: input.domain }),
        }),
      );
    } catch (error) {
      // Solving works without memories: a bank that is down costs the lessons, not the answer.
      errors.push({ phase: 'retrieve', error: error as Error });
      return [];
    }
  }
}

function statistics(ctx: RunContext): RunStatistics {
  return {
    usage: { ...ctx.usage },
    calls: ctx.calls,
    cacheHits: ctx.cacheHits,
    promptTokens: { ...ctx.promptTokens },
    timings: ctx.timings.map((t) => ({ ...t })),
  };
}
