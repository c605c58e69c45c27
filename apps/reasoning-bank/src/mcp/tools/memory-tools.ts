import { IdSchema, MemoryItemInputSchema, MemoryItemSchema, MemoryPatchSchema, OutcomeSchema } from '@rb/memory';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import { RetrievedMemorySchema, toRetrieved } from '../output-schemas.js';
import { ADDITIVE, DESTRUCTIVE, READ_ONLY, defineTool, workspaceArgument, type ToolContext, type ToolSpec } from '../tool.js';

const query = z.string().min(1).max(20_000).meta({ description: 'The task at hand, or what to look for.' });
const includeFailures = z
  .boolean()
  .optional()
  .meta({ description: 'Whether lessons learned from failed attempts may be returned (they say what to avoid). Defaults to true.' });
const domain = z.string().min(1).max(100).optional().meta({ description: 'Only memories of this domain (e.g. "python", "sql"). Defaults to any.' });

const RetrieveOutput = z.strictObject({
  workspace: z.string(),
  memories: z.array(RetrievedMemorySchema).meta({ description: 'Most relevant first; empty when nothing is relevant enough.' }),
});

export function memoryTools(defaultWorkspace: string): ToolSpec[] {
  const workspace = workspaceArgument(defaultWorkspace);
  return [
    defineTool({
      name: 'retrieve_memories',
      title: 'Retrieve memories for a task',
      description:
        'Finds the lessons (strategies that worked, mistakes to avoid) most relevant to a task, before acting on it. ' +
        'Each result carries every component of its score. Returns nothing when no memory is relevant enough.',
      input: z.strictObject({
        workspace,
        query,
        n_results: z.int().min(1).max(20).optional().meta({ description: "Memories returned, 1-20. Defaults to 1 (the ReasoningBank paper's best setting)." }),
        include_failures: includeFailures,
        domain,
      }),
      output: RetrieveOutput,
      hints: READ_ONLY,
      argumentOf: renameRetrieveField,
      run: (args, context) => retrieve(args, context, 1),
    }),

    defineTool({
      name: 'search_knowledge',
      title: 'Search the memory bank',
      description:
        'Searches memories by meaning and words, with optional tag, domain and score filters. Like retrieve_memories, ' +
        'for browsing: more results by default, and a relevance threshold you choose.',
      input: z.strictObject({
        workspace,
        query,
        n_results: z.int().min(1).max(20).optional().meta({ description: 'Memories returned, 1-20. Defaults to 5.' }),
        include_failures: includeFailures,
        domain,
        tags: z.array(z.string().min(1).max(100)).max(10).optional().meta({ description: 'Only memories with at least one of these tags.' }),
        min_score: z
          .number()
          .min(0)
          .max(1)
          .optional()
          .meta({ description: "Relevance threshold 0-1. Defaults to the store's, calibrated for its embedding model; 0 returns the nearest whatever their relevance." }),
      }),
      output: RetrieveOutput,
      hints: READ_ONLY,
      argumentOf: renameRetrieveField,
      run: (args, context) => retrieve(args, context, 5),
    }),

    defineTool({
      name: 'store_memory',
      title: 'Store a memory',
      description:
        'Stores one lesson you wrote yourself (title, one-sentence description of when to use it, 1-3 sentences of ' +
        'content). Pass an id to make a retry overwrite instead of duplicating. To learn from a whole attempt, use ' +
        'learn_from_trajectory instead.',
      input: z.strictObject({
        workspace,
        memory: MemoryItemInputSchema,
        outcome: OutcomeSchema.optional().meta({ description: 'How the attempt the lesson comes from ended. Defaults to "success".' }),
        task: z.string().min(1).max(100_000).optional().meta({ description: 'The task the lesson was learned on. Defaults to a note naming this tool.' }),
      }),
      output: z.strictObject({ workspace: z.string(), memory: MemoryItemSchema, traceId: IdSchema }),
      hints: ADDITIVE,
      argumentOf: (field) => field.replace(/^trace\.memories\[0\]/, 'memory').replace(/^trace\./, ''),
      async run(args, context) {
        const workspaceId = context.workspace(args.workspace);
        const { traceId, memoryIds } = await context.app.store.addTrace({
          workspaceId,
          trace: {
            task: args.task ?? `Stored with store_memory: ${args.memory.title}`,
            outcome: args.outcome ?? 'success',
            memories: [args.memory],
          },
        });
        const memory = await context.app.store.getMemory({ workspaceId, id: memoryIds[0]! });
        if (memory === undefined) throw new AppError({ code: 'NOT_FOUND', message: `memory ${memoryIds[0]} vanished right after it was stored (a concurrent delete?)` });
        return { workspace: workspaceId, memory, traceId };
      },
    }),

    defineTool({
      name: 'update_memory',
      title: 'Update a memory',
      description:
        'Changes fields of a memory (re-embedding it when its text changes); a field set to null is removed. Overwrites ' +
        'what was there, so it requires confirm: true.',
      input: z.strictObject({ workspace, id: IdSchema, patch: MemoryPatchSchema, confirm: z.literal(true).meta({ description: 'Must be true: the old values are overwritten.' }) }),
      output: z.strictObject({ workspace: z.string(), memory: MemoryItemSchema }),
      hints: DESTRUCTIVE,
      async run(args, context) {
        const workspaceId = context.workspace(args.workspace);
        const memory = await context.app.store.updateMemory({ workspaceId, id: args.id, patch: args.patch });
        return { workspace: workspaceId, memory };
      },
    }),

    defineTool({
      name: 'delete_memory',
      title: 'Delete memories',
      description: 'Deletes memories by id from one workspace. Requires confirm: true. Ids that do not exist are listed in notFound.',
      input: z.strictObject({
        workspace,
        ids: z.array(IdSchema).min(1).max(100).meta({ description: 'Ids of the memories to delete, 1-100.' }),
        confirm: z.literal(true).meta({ description: 'Must be true: deleted memories cannot be recovered (except from a backup).' }),
      }),
      output: z.strictObject({ workspace: z.string(), deleted: z.array(z.string()), notFound: z.array(z.string()) }),
      hints: DESTRUCTIVE,
      async run(args, context) {
        const workspaceId = context.workspace(args.workspace);
        const result = await context.app.store.deleteMemories({ workspaceId, ids: args.ids });
        return { workspace: workspaceId, deleted: result.deleted, notFound: result.notFound };
      },
    }),

    defineTool({
      name: 'get_memory_genealogy',
      title: 'Memory genealogy',
      description: 'The ancestors (memories it refines or was distilled from) and descendants of a memory, nearest first.',
      input: z.strictObject({
        workspace,
        id: IdSchema,
        max_depth: z.int().min(1).max(50).optional().meta({ description: 'Generations walked each way, 1-50. Defaults to 10.' }),
      }),
      output: z.strictObject({
        workspace: z.string(),
        found: z.boolean().meta({ description: 'False when no memory has this id in this workspace.' }),
        memory: MemoryItemSchema.optional(),
        ancestors: z.array(z.strictObject({ memory: MemoryItemSchema, depth: z.int() })),
        descendants: z.array(z.strictObject({ memory: MemoryItemSchema, depth: z.int() })),
        truncated: z.boolean().meta({ description: 'True when max_depth stopped the walk with generations left.' }),
      }),
      hints: READ_ONLY,
      argumentOf: (field) => field.replace(/^maxDepth/, 'max_depth'),
      async run(args, context) {
        const workspaceId = context.workspace(args.workspace);
        const genealogy = await context.app.store.getGenealogy({
          workspaceId,
          id: args.id,
          ...(args.max_depth === undefined ? {} : { maxDepth: args.max_depth }),
        });
        if (genealogy === undefined) return { workspace: workspaceId, found: false, ancestors: [], descendants: [], truncated: false };
        return { workspace: workspaceId, found: true, ...genealogy };
      },
    }),
  ];
}

interface RetrieveArguments {
  workspace?: string | undefined;
  query: string;
  n_results?: number | undefined;
  include_failures?: boolean | undefined;
  domain?: string | undefined;
  tags?: string[] | undefined;
  min_score?: number | undefined;
}

/** retrieve_memories and search_knowledge: the same call, with their own default number of results. */
async function retrieve(args: RetrieveArguments, context: ToolContext, defaultK: number) {
  const workspaceId = context.workspace(args.workspace);
  const results = await context.app.store.retrieve({
    workspaceId,
    query: args.query,
    k: args.n_results ?? defaultK,
    ...(args.include_failures === undefined ? {} : { includeFailures: args.include_failures }),
    ...(args.domain === undefined ? {} : { domain: args.domain }),
    ...(args.tags === undefined ? {} : { tags: args.tags }),
    ...(args.min_score === undefined ? {} : { minScore: args.min_score }),
  });
  return { workspace: workspaceId, memories: results.map(toRetrieved) };
}

function renameRetrieveField(field: string): string {
  return field
    .replace(/^k$/, 'n_results')
    .replace(/^includeFailures$/, 'include_failures')
    .replace(/^minScore$/, 'min_score')
    .replace(/^workspaceId$/, 'workspace');
}
