import type { TokenUsage } from '@rb/memory';
import { AgentError, LanguageModelError } from '../errors.js';
import { assertUsable } from '../llm/check-generation.js';
import type { GenerateRequest, GenerateResult, LanguageModel } from '../llm/language-model.js';

/** The steps a run reports progress on. */
export type AgentPhase =
  | 'retrieve'
  | 'think'
  | 'evaluate'
  | 'refine'
  | 'attempt'
  | 'contrast'
  | 'reflect'
  | 'judge'
  | 'extract'
  | 'consolidate'
  | 'store'
  | 'done';

/** One progress event: a step starts (or, with phase `done`, the run ends). */
export interface AgentProgress {
  phase: AgentPhase;
  /** Steps finished so far; never decreases. */
  done: number;
  /** Steps the run expects in all (an estimate: a run that stops early jumps to it); never below `done`. */
  total: number;
  message: string;
  /** 1-based think / refine round. */
  iteration?: number;
  /** 0-based MaTTS attempt. */
  attempt?: number;
  /** A self-evaluation score just computed. */
  score?: number;
}

/** Why a run's budget stopped it. */
export type BudgetKind = 'tokens' | 'time';

/** Answers shorter than this are not worth asking for when the token budget is nearly spent. */
const MIN_OUTPUT_TOKENS = 16;

export interface RunContextInit {
  signal: AbortSignal | undefined;
  tokenBudget: number;
  timeBudgetMs: number;
  now: () => number;
  /** Counts the tokens of a prompt, to keep an answer inside the token budget. */
  countTokens: (text: string) => number;
  onProgress: ((progress: AgentProgress) => void) | undefined;
  totalSteps: number;
}

/**
 * Everything mutable about one run: what it spent, its budgets, its cancellation and its progress. Each run makes its
 * own, so concurrent runs share nothing; the attempts of one MaTTS run share their run's budget.
 */
export class RunContext {
  readonly usage: Required<TokenUsage> = { input: 0, output: 0, reasoning: 0, cached: 0 };
  calls = 0;
  cacheHits = 0;
  readonly timings: { name: string; ms: number }[] = [];
  /** Prompt tokens before and after fitting, summed over the run's calls. */
  readonly promptTokens = { original: 0, sent: 0 };
  /** Set when a budget ran out. */
  exhausted: BudgetKind | undefined;
  readonly #init: RunContextInit;
  readonly #startedAt: number;
  readonly #controller = new AbortController();
  readonly #timer: NodeJS.Timeout | undefined;
  readonly #onAbort: () => void;
  #done = 0;
  #total: number;

  constructor(init: RunContextInit) {
    this.#init = init;
    this.#startedAt = init.now();
    this.#total = Math.max(1, init.totalSteps);
    this.#onAbort = () => this.#controller.abort(init.signal?.reason);
    if (init.signal?.aborted) this.#onAbort();
    else init.signal?.addEventListener('abort', this.#onAbort, { once: true });
    if (Number.isFinite(init.timeBudgetMs)) {
      // Stops a call in flight when the wall time runs out; between steps the injected clock is checked as well.
      this.#timer = setTimeout(() => this.#exhaust('time'), init.timeBudgetMs);
      this.#timer.unref();
    }
  }

  /** Aborts when the caller aborts or a budget runs out. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** True when the caller's signal fired. */
  get aborted(): boolean {
    return this.#init.signal?.aborted === true;
  }

  /** Tokens spent so far (input + output of calls not served from a cache). */
  get spent(): number {
    return this.usage.input + this.usage.output;
  }

  elapsedMs(): number {
    return this.#init.now() - this.#startedAt;
  }

  /** Throws `ABORTED` or `BUDGET_EXCEEDED` when the run may not take another step. */
  checkpoint(): void {
    if (this.aborted) throw this.#abortedError();
    if (this.exhausted === undefined) {
      if (this.spent >= this.#init.tokenBudget) this.#exhaust('tokens');
      else if (this.elapsedMs() >= this.#init.timeBudgetMs) this.#exhaust('time');
    }
    if (this.exhausted !== undefined) throw this.#budgetError();
  }

  /** `model`, with every call counted, kept inside the budgets, cancelled with the run and checked for usability. */
  wrap(model: LanguageModel): LanguageModel {
    return { provider: model.provider, modelId: model.modelId, generate: (request) => this.#generate(model, request) };
  }

  async #generate(model: LanguageModel, request: GenerateRequest): Promise<GenerateResult> {
    this.checkpoint();
    let maxOutputTokens = request.maxOutputTokens;
    let clamped = false;
    if (Number.isFinite(this.#init.tokenBudget)) {
      const prompt = [request.instructions ?? '', ...request.messages.map((m) => m.content)].join('\n');
      const left = this.#init.tokenBudget - this.spent - this.#init.countTokens(prompt);
      if (left < MIN_OUTPUT_TOKENS) {
        this.#exhaust('tokens');
        throw this.#budgetError();
      }
      if (maxOutputTokens === undefined || left < maxOutputTokens) {
        maxOutputTokens = left;
        clamped = true;
      }
    }
    let result: GenerateResult;
    try {
      result = await model.generate({
        ...request,
        ...(maxOutputTokens === undefined ? {} : { maxOutputTokens }),
        signal: this.#controller.signal,
      });
    } catch (error) {
      if (LanguageModelError.isInstance(error) && error.usage) this.#count(error.usage);
      this.calls++;
      throw this.#translate(error, clamped);
    }
    this.calls++;
    if (result.fromCache) this.cacheHits++;
    else this.#count(result.usage);
    try {
      return assertUsable(result, model);
    } catch (error) {
      throw this.#translate(error, clamped);
    }
  }

  /** A cut answer under a clamp means the budget ran out; a failure after abort or exhaustion says which. */
  #translate(error: unknown, clamped: boolean): unknown {
    if (this.aborted) return this.#abortedError();
    if (this.exhausted !== undefined) return this.#budgetError();
    if (clamped && AgentError.isInstance(error) && error.code === 'OUTPUT_TRUNCATED') {
      this.#exhaust('tokens');
      return this.#budgetError();
    }
    return error;
  }

  #count(usage: TokenUsage): void {
    this.usage.input += usage.input;
    this.usage.output += usage.output;
    this.usage.reasoning += usage.reasoning ?? 0;
    this.usage.cached += usage.cached ?? 0;
    if (this.spent >= this.#init.tokenBudget) this.#exhaust('tokens');
  }

  #exhaust(kind: BudgetKind): void {
    if (this.exhausted !== undefined) return;
    this.exhausted = kind;
    this.#controller.abort(this.#budgetError());
  }

  #budgetError(): AgentError {
    const kind = this.exhausted ?? 'tokens';
    const message =
      kind === 'tokens'
        ? `the run's token budget (${this.#init.tokenBudget}) is spent (${this.spent} tokens used)`
        : `the run's time budget (${this.#init.timeBudgetMs} ms) ran out`;
    return new AgentError({ code: 'BUDGET_EXCEEDED', message, field: kind === 'tokens' ? 'tokenBudget' : 'timeBudgetMs' });
  }

  #abortedError(): AgentError {
    return new AgentError({ code: 'ABORTED', message: 'the run was aborted', cause: this.#init.signal?.reason });
  }

  /** Adds one fitted prompt to {@link promptTokens}. */
  notePrompt(report: { originalTokens: number; finalTokens: number }): void {
    this.promptTokens.original += report.originalTokens;
    this.promptTokens.sent += report.finalTokens;
  }

  /**
   * The first error a progress listener threw. The run goes on without the listener (a client that went away must
   * not cost the answer); the run's result lists the error.
   */
  listenerError: { phase: AgentPhase; error: Error } | undefined;

  /** Reports that a step starts. */
  progress(phase: Exclude<AgentPhase, 'done'>, message: string, extra: Pick<AgentProgress, 'iteration' | 'attempt' | 'score'> = {}): void {
    this.#total = Math.max(this.#total, this.#done + 1);
    this.#emit({ phase, done: this.#done, total: this.#total, message, ...extra });
    this.#done++;
  }

  /** Reports the end of the run. */
  finish(message: string): void {
    this.#total = Math.max(this.#total, this.#done);
    this.#emit({ phase: 'done', done: this.#total, total: this.#total, message });
  }

  #emit(event: AgentProgress): void {
    const listener = this.#init.onProgress;
    if (listener === undefined || this.listenerError !== undefined) return;
    try {
      listener(event);
    } catch (error) {
      this.listenerError = { phase: event.phase, error: error instanceof Error ? error : new Error(String(error)) };
    }
  }

  /** Runs `fn` and records how long it took under `name`. */
  async timed<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await fn();
    } finally {
      const ms = Math.round((performance.now() - started) * 10) / 10;
      const existing = this.timings.find((t) => t.name === name);
      if (existing) existing.ms += ms;
      else if (this.timings.length < 50) this.timings.push({ name, ms });
    }
  }

  /** Stops the budget timer and forgets the caller's signal. */
  dispose(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#init.signal?.removeEventListener('abort', this.#onAbort);
  }
}
