import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createReasoningBank } from '@rb/agent';
import { AppError } from '../errors.js';
import { toRetrieved, toStatistics } from '../mcp/output-schemas.js';
import { planIngest } from './ingest-file.js';
import { configOf, withApp } from './open-app.js';
import { CliExit, EXIT, printResult, progressBar, type GlobalFlags } from './output.js';

export interface RetrieveFlags extends GlobalFlags {
  k?: string;
  domain?: string;
  tag?: string[];
  minScore?: string;
  failures?: boolean;
}

/** `rb retrieve <query>`: the memories most relevant to a query. */
export async function retrieveCommand(query: string, flags: RetrieveFlags): Promise<void> {
  // Flags are checked before anything starts.
  const k = integerFlag('k', flags.k ?? '3', 1, 100);
  const minScore = flags.minScore === undefined ? undefined : numberFlag('min-score', flags.minScore, 0, 1);
  await withApp(flags, 'retrieve', async (app) => {
    const workspaceId = app.config.workspace;
    const results = await app.store.retrieve({
      workspaceId,
      query,
      k,
      ...(flags.failures === false ? { includeFailures: false } : {}),
      ...(flags.domain === undefined ? {} : { domain: flags.domain }),
      ...(flags.tag === undefined ? {} : { tags: flags.tag }),
      ...(minScore === undefined ? {} : { minScore }),
    });
    printResult(flags, { workspace: workspaceId, memories: results.map(toRetrieved) }, () =>
      results.length === 0
        ? `No memory in workspace "${workspaceId}" is relevant to that query.`
        : results
            .map(
              (r, i) =>
                `${i + 1}. ${r.memory.title}  [${r.memory.outcome}, score ${r.score.toFixed(3)}, similarity ${r.components.similarity.toFixed(3)}]\n` +
                `   ${r.memory.description}\n   ${r.memory.content}\n   id ${r.memory.id}`,
            )
            .join('\n\n'),
    );
  });
}

/** `rb learn <trajectory.json>`: judge, extract and store lessons from a trajectory file (needs an LLM endpoint). */
export async function learnCommand(file: string, flags: GlobalFlags): Promise<void> {
  const request = parseJsonFile(file, await readInput(file));
  // Checked before anything starts: without a model there is nothing to do.
  if (configOf(flags).llm === undefined) {
    throw new AppError({
      code: 'LLM_NOT_CONFIGURED',
      message: 'rb learn needs an LLM: set RB_LLM_BASE_URL (and RB_LLM_API_KEY or OPENAI_API_KEY), or OPENAI_API_KEY alone for OpenAI',
    });
  }
  await withApp(
    flags,
    'learn',
    async (app, signal) => {
      const bank = createReasoningBank({ store: app.store, model: app.model!, workspaceId: app.config.workspace });
      const bar = progressBar(flags);
      try {
        const result = await bank.learn({
          ...(request as object),
          workspaceId: app.config.workspace,
          signal,
          onProgress: (p) => bar.update(p.done, p.total, p.phase),
        } as Parameters<typeof bank.learn>[0]);
        bar.stop();
        const learned = result.learned.map((m) => ({ title: m.title, description: m.description }));
        printResult(flags, { workspace: app.config.workspace, outcome: result.outcome, judgeReasoning: result.judgeReasoning, traceId: result.traceId, learned, skipped: result.skipped.length, usage: result.usage }, () =>
          [`Outcome: ${result.outcome}. ${result.judgeReasoning}`, ...learned.map((m) => `+ ${m.title}: ${m.description}`), result.skipped.length > 0 ? `(${result.skipped.length} lesson(s) already in the bank)` : '']
            .filter(Boolean)
            .join('\n'),
        );
      } finally {
        bar.stop();
        await bank.close();
      }
    },
    { withModel: true },
  );
}

/** `rb ingest <memories.jsonl>`: validates the whole file, then stores it trace by trace with a progress bar. */
export async function ingestCommand(file: string, flags: GlobalFlags): Promise<void> {
  const plan = planIngest(file, await readInput(file));
  await withApp(flags, 'ingest', async (app, signal) => {
    const bar = progressBar(flags);
    let memories = 0;
    try {
      for (const [index, trace] of plan.traces.entries()) {
        signal.throwIfAborted();
        await app.store.addTrace({ workspaceId: app.config.workspace, trace });
        memories += trace.memories?.length ?? 0;
        bar.update(index + 1, plan.traces.length, 'ingest');
      }
    } finally {
      bar.stop();
    }
    printResult(flags, { workspace: app.config.workspace, traces: plan.traces.length, memories }, () =>
      `Stored ${memories} memories in ${plan.traces.length} traces into workspace "${app.config.workspace}".`,
    );
  }, { allEmbedderWorkers: plan.memories > 200 });
}

export interface RestoreFlags extends GlobalFlags {
  mode?: string;
}

/** `rb backup <dir>`: writes the workspace to a backup folder (an earlier backup there is replaced once this one is complete). */
export async function backupCommand(dir: string, flags: GlobalFlags): Promise<void> {
  await withApp(flags, 'backup', async (app, signal) => {
    const bar = progressBar(flags);
    try {
      const manifest = await app.store.backup({
        workspaceId: app.config.workspace,
        dir: resolve(dir),
        signal,
        onProgress: (p) => bar.update(p.done, p.total, p.phase),
      });
      bar.stop();
      printResult(flags, manifest, () => `Backed up ${manifest.counts.memories} memories and ${manifest.counts.traces} traces of "${manifest.workspaceId}" to ${resolve(dir)}.`);
    } finally {
      bar.stop();
    }
  });
}

/** `rb restore <dir>`: checks the whole backup, then restores it all or nothing. */
export async function restoreCommand(dir: string, flags: RestoreFlags): Promise<void> {
  if (flags.mode !== undefined && flags.mode !== 'merge' && flags.mode !== 'replace') {
    throw new CliExit(EXIT.usage, `--mode must be merge or replace, got ${JSON.stringify(flags.mode)}`);
  }
  await withApp(flags, 'restore', async (app, signal) => {
    const bar = progressBar(flags);
    try {
      const result = await app.store.restore({
        dir: resolve(dir),
        ...(flags.workspace === undefined ? {} : { workspaceId: app.config.workspace }),
        ...(flags.mode === undefined ? {} : { mode: flags.mode as 'merge' | 'replace' }),
        signal,
        onProgress: (p) => bar.update(p.done, p.total, p.phase),
      });
      bar.stop();
      printResult(flags, result, () => `Restored ${result.memories} memories and ${result.traces} traces into "${result.workspaceId}".`);
    } finally {
      bar.stop();
    }
  });
}

export interface StatsFlags extends GlobalFlags {
  all?: boolean;
}

/** `rb stats`: counts of the workspace, or of every workspace with `--all`. */
export async function statsCommand(flags: StatsFlags): Promise<void> {
  await withApp(flags, 'stats', async (app) => {
    const workspaces = flags.all ? (await app.store.listWorkspaces()).sort() : [app.config.workspace];
    const stats: ({ workspace: string } & ReturnType<typeof toStatistics>)[] = [];
    for (const workspaceId of workspaces) stats.push({ workspace: workspaceId, ...toStatistics(await app.store.getStatistics({ workspaceId })) });
    printResult(flags, flags.all ? { workspaces: stats } : stats[0], () =>
      stats.length === 0
        ? 'No workspace holds memories yet.'
        : stats
            .map(
              (s) =>
                `${s.workspace}: ${s.memories} memories (${s.memoriesByOutcome.success} success, ${s.memoriesByOutcome.failure} failure, ` +
                `${s.memoriesByOutcome.partial} partial; ${s.errorMemories} with error context), ${s.traces} traces` +
                (s.memoriesByDomain.length > 0 ? `\n  domains: ${s.memoriesByDomain.map((d) => `${d.domain || '(none)'} ${d.count}`).join(', ')}` : ''),
            )
            .join('\n'),
    );
  });
}

async function readInput(file: string): Promise<string> {
  try {
    return await readFile(file === '-' ? '/dev/stdin' : file, 'utf8');
  } catch (error) {
    throw new CliExit(EXIT.usage, `cannot read ${file}: ${(error as Error).message}`);
  }
}

function parseJsonFile(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliExit(EXIT.usage, `${file} is not JSON: ${(error as Error).message}`);
  }
}

function integerFlag(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new CliExit(EXIT.usage, `--${name} must be an integer ${min}-${max}, got ${JSON.stringify(value)}`);
  return n;
}

function numberFlag(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new CliExit(EXIT.usage, `--${name} must be a number ${min}-${max}, got ${JSON.stringify(value)}`);
  return n;
}
