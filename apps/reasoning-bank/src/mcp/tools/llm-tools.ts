import { createReasoningBank, type AgentProgress, type Learning, type ReasoningBank, type RunStatistics } from '@rb/agent';
import { MemoryItemSchema, OutcomeSchema, TrajectoryStepSchema, type MemoryItem } from '@rb/memory';
import { z } from 'zod';
import { LLM_WRITE, defineTool, workspaceArgument, type ToolContext, type ToolSpec } from '../tool.js';

const JudgedOutcomeSchema = z
  .enum(['success', 'failure', 'partial', 'unknown'])
  .meta({ description: '"unknown" when the judge could not decide; then nothing was learned.' });

const UsageSchema = z.strictObject({
  input: z.int(),
  output: z.int(),
  reasoning: z.int(),
  cached: z.int(),
  calls: z.int().meta({ description: 'Model calls made.' }),
  cacheHits: z.int(),
});

const LearningShape = {
  workspace: z.string(),
  outcome: JudgedOutcomeSchema,
  judgeReasoning: z.string(),
  traceId: z.string().optional().meta({ description: 'The stored trace, when one was stored.' }),
  learned: z.array(MemoryItemSchema).meta({ description: 'The memories stored from this run.' }),
  skipped: z
    .array(z.strictObject({ title: z.string(), duplicateOf: z.string(), similarity: z.number() }))
    .meta({ description: 'Lessons not stored because the bank already holds them.' }),
  usage: UsageSchema,
  warnings: z.array(z.string()).meta({ description: 'Steps that failed without losing the result (judge, extraction, storage).' }),
};

const domain = z.string().min(1).max(100).optional().meta({ description: 'Domain of the task ("python", "sql", ...); also filters retrieval.' });
const tags = z.array(z.string().min(1).max(100)).max(10).optional().meta({ description: 'Tags of the learned memories.' });

export function llmTools(defaultWorkspace: string): ToolSpec[] {
  const workspace = workspaceArgument(defaultWorkspace);
  return [
    defineTool({
      name: 'solve_coding_task',
      title: 'Solve a task with memory',
      description:
        'Solves a task with the ReasoningBank agent: retrieves relevant lessons, thinks, self-evaluates and refines, ' +
        'then judges the result and stores what it learned (from a success or a failure). MaTTS spends more compute: ' +
        'k parallel attempts contrasted, or one answer re-examined k times. Needs an LLM (a configured endpoint, or ' +
        'this client\'s model through sampling). Reports progress; cancelling stops it.',
      input: z.strictObject({
        workspace,
        task: z.string().min(1).max(100_000).meta({ description: 'The task, as a user would state it.' }),
        use_memory: z.boolean().optional().meta({ description: 'Retrieve lessons for the prompt. Defaults to true.' }),
        enable_matts: z.boolean().optional().meta({ description: 'Memory-aware test-time scaling. Defaults to false.' }),
        matts_k: z.int().min(1).max(10).optional().meta({ description: 'MaTTS attempts or re-examinations, 1-10. Defaults to 3.' }),
        matts_mode: z.enum(['parallel', 'sequential']).optional().meta({ description: 'Defaults to "parallel".' }),
        store_result: z.boolean().optional().meta({ description: 'Judge the run and store what was learned. Defaults to true.' }),
        domain,
        tags,
      }),
      output: z.strictObject({
        ...LearningShape,
        answer: z.string(),
        score: z.number().optional().meta({ description: 'Self-evaluation of the answer, 0-1.' }),
        stopReason: z.string(),
        iterations: z.int(),
        memoriesUsed: z.array(z.strictObject({ id: z.string(), title: z.string(), score: z.number() })),
        matts: z
          .strictObject({
            mode: z.enum(['parallel', 'sequential']),
            k: z.int(),
            bestAttempt: z.int(),
            attempts: z.array(z.strictObject({ attempt: z.int(), score: z.number().optional(), outcome: z.string() })),
          })
          .optional(),
      }),
      hints: LLM_WRITE,
      argumentOf: renameAgentField,
      async run(args, context) {
        const workspaceId = context.workspace(args.workspace);
        return withBank(context, workspaceId, async (bank) => {
          const result = await bank.solve({
            task: args.task,
            workspaceId,
            ...(args.use_memory === undefined ? {} : { useMemory: args.use_memory }),
            ...(args.store_result === false ? { judge: false, learn: false } : {}),
            ...(args.enable_matts ? { matts: { mode: args.matts_mode ?? 'parallel', k: args.matts_k ?? 3 } } : {}),
            ...(args.domain === undefined ? {} : { domain: args.domain }),
            ...(args.tags === undefined ? {} : { tags: args.tags }),
            signal: context.signal,
            onProgress: progressOf(context),
          });
          return {
            ...(await learningOutput(context, workspaceId, result)),
            answer: result.answer,
            ...(result.score === undefined ? {} : { score: result.score }),
            stopReason: result.stopReason,
            iterations: result.iterations,
            memoriesUsed: result.memoriesUsed.map((m) => ({ id: m.memory.id, title: m.memory.title, score: m.score })),
            ...(result.matts === undefined
              ? {}
              : {
                  matts: {
                    mode: result.matts.mode,
                    k: result.matts.k,
                    bestAttempt: result.matts.bestAttempt,
                    attempts: result.matts.attempts.map((a) => ({
                      attempt: a.attempt,
                      ...(a.score === undefined ? {} : { score: a.score }),
                      outcome: a.outcome,
                    })),
                  },
                }),
          };
        });
      },
    }),

    defineTool({
      name: 'learn_from_trajectory',
      title: 'Learn from your own attempt',
      description:
        'Hand in a task you (the assistant) worked on, what you did, and how it ended if you know: the server judges ' +
        'it (unless outcome is given), extracts at most 3 transferable lessons (what worked, or what went wrong and ' +
        'how to avoid it) and stores those the bank does not already hold. Call it after finishing or failing a task.',
      input: z.strictObject({
        workspace,
        task: z.string().min(1).max(100_000).meta({ description: 'The task as it was given.' }),
        trajectory: z
          .union([z.string().min(1).max(200_000), z.array(TrajectoryStepSchema).min(1).max(990)])
          .meta({ description: 'What was done: a transcript as text, or steps ({ kind, output }).' }),
        final_answer: z.string().min(1).max(200_000).optional().meta({ description: 'The result, when it is not the last step.' }),
        outcome: OutcomeSchema.optional().meta({ description: 'How it ended, when known (tests passed, the user accepted). Defaults to the judge\'s verdict.' }),
        domain,
        tags,
      }),
      output: z.strictObject(LearningShape),
      hints: LLM_WRITE,
      argumentOf: renameAgentField,
      async run(args, context) {
        const workspaceId = context.workspace(args.workspace);
        return withBank(context, workspaceId, async (bank) =>
          learningOutput(
            context,
            workspaceId,
            await bank.learn({
              task: args.task,
              trajectory: args.trajectory,
              workspaceId,
              ...(args.final_answer === undefined ? {} : { finalAnswer: args.final_answer }),
              ...(args.outcome === undefined ? {} : { outcome: args.outcome }),
              ...(args.domain === undefined ? {} : { domain: args.domain }),
              ...(args.tags === undefined ? {} : { tags: args.tags }),
              signal: context.signal,
              onProgress: progressOf(context),
            }),
          ),
        );
      },
    }),

    defineTool({
      name: 'capture_knowledge',
      title: 'Capture knowledge from Q&A',
      description:
        'Turns question/answer exchanges (e.g. a solved problem from this conversation) into stored lessons: each ' +
        'exchange is treated as a successful trajectory, lessons are extracted and deduplicated against the bank. ' +
        'Up to 50 exchanges per call, with progress.',
      input: z.strictObject({
        workspace,
        exchanges: z
          .array(
            z.strictObject({
              question: z.string().min(1).max(100_000),
              answer: z.string().min(1).max(200_000),
            }),
          )
          .min(1)
          .max(50),
        domain,
        tags,
      }),
      output: z.strictObject({
        workspace: z.string(),
        captured: z.array(
          z.strictObject({
            index: z.int(),
            traceId: z.string().optional(),
            learned: z.array(MemoryItemSchema),
            skipped: z.int().meta({ description: 'Lessons the bank already held.' }),
            warnings: z.array(z.string()),
          }),
        ),
        usage: UsageSchema,
      }),
      hints: LLM_WRITE,
      argumentOf: (field) => renameAgentField(field).replace(/^task$/, 'exchanges[].question').replace(/^trajectory$/, 'exchanges[].answer'),
      async run(args, context) {
        const workspaceId = context.workspace(args.workspace);
        return withBank(context, workspaceId, async (bank) => {
          const captured = [];
          const usage = { input: 0, output: 0, reasoning: 0, cached: 0, calls: 0, cacheHits: 0 };
          const total = args.exchanges.length;
          context.progress({ done: 0, total, message: `capturing ${total} exchange(s)` });
          for (const [index, exchange] of args.exchanges.entries()) {
            const result = await bank.learn({
              task: exchange.question,
              trajectory: exchange.answer,
              outcome: 'success',
              judgeReasoning: 'A question/answer exchange the user kept as knowledge.',
              workspaceId,
              ...(args.domain === undefined ? {} : { domain: args.domain }),
              ...(args.tags === undefined ? {} : { tags: args.tags }),
              signal: context.signal,
            });
            const learned = await storedMemories(context, workspaceId, result);
            captured.push({
              index,
              ...(result.traceId === undefined ? {} : { traceId: result.traceId }),
              learned,
              skipped: result.skipped.length,
              warnings: result.errors.map((e) => `${e.phase}: ${e.error.message}`),
            });
            addUsage(usage, result);
            context.progress({ done: index + 1, total, message: `captured ${index + 1} of ${total}` });
          }
          return { workspace: workspaceId, captured, usage };
        });
      },
    }),
  ];
}

/** A bank over the app's store and this call's model; closed after the call (the store and an endpoint model stay open). */
async function withBank<T>(context: ToolContext, workspaceId: string, fn: (bank: ReasoningBank) => Promise<T>): Promise<T> {
  const bank = createReasoningBank({ store: context.app.store, model: context.languageModel(), workspaceId });
  try {
    return await fn(bank);
  } finally {
    await bank.close();
  }
}

function progressOf(context: ToolContext): (progress: AgentProgress) => void {
  return (progress) => context.progress({ done: progress.done, total: progress.total, message: progress.message });
}

async function learningOutput(context: ToolContext, workspaceId: string, result: Learning & RunStatistics) {
  const usage = { input: 0, output: 0, reasoning: 0, cached: 0, calls: 0, cacheHits: 0 };
  addUsage(usage, result);
  return {
    workspace: workspaceId,
    outcome: result.outcome,
    judgeReasoning: result.judgeReasoning,
    ...(result.traceId === undefined ? {} : { traceId: result.traceId }),
    learned: await storedMemories(context, workspaceId, result),
    skipped: result.skipped.map((s) => ({ title: s.memory.title, duplicateOf: s.duplicateOf, similarity: s.similarity })),
    usage,
    warnings: result.errors.map((e) => `${e.phase}: ${e.error.message}`),
  };
}

/** The memories as stored (ids, dates, genealogy), read back from the trace the run stored. */
async function storedMemories(context: ToolContext, workspaceId: string, result: Learning): Promise<MemoryItem[]> {
  if (result.traceId === undefined) return [];
  const trace = await context.app.store.getTrace({ workspaceId, id: result.traceId });
  if (trace === undefined || trace.extractedMemoryIds.length === 0) return [];
  const memories = await context.app.store.getMemories({ workspaceId, ids: trace.extractedMemoryIds });
  return memories.filter((m): m is MemoryItem => m !== undefined);
}

function addUsage(total: { input: number; output: number; reasoning: number; cached: number; calls: number; cacheHits: number }, run: RunStatistics): void {
  total.input += run.usage.input;
  total.output += run.usage.output;
  total.reasoning += run.usage.reasoning;
  total.cached += run.usage.cached;
  total.calls += run.calls;
  total.cacheHits += run.cacheHits;
}

function renameAgentField(field: string): string {
  return field
    .replace(/^finalAnswer/, 'final_answer')
    .replace(/^useMemory/, 'use_memory')
    .replace(/^matts\.k/, 'matts_k')
    .replace(/^matts\.mode/, 'matts_mode')
    .replace(/^workspaceId/, 'workspace');
}
