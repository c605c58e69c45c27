import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BackupManifestSchema, WorkspaceIdSchema } from '@rb/memory';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import { RetentionResultSchema, StatisticsSchema, toStatistics } from '../output-schemas.js';
import { DESTRUCTIVE, READ_ONLY, confirmArgument, defineTool, workspaceArgument, type ToolContext, type ToolSpec } from '../tool.js';

/** A backup's name: a plain folder name under `<data dir>/backups`, so a tool call can never write elsewhere. */
const BackupNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'must be 1-100 letters, digits, ".", "_" or "-", starting with a letter or digit')
  .meta({ description: 'Name of the backup (a folder under the server\'s data folder, e.g. "before-cleanup").' });

const BackupSummarySchema = z.strictObject({
  name: z.string(),
  workspaceId: z.string(),
  createdAt: z.string(),
  memories: z.int(),
  traces: z.int(),
});

function requireConfirmation(confirm: true | undefined, what: string): void {
  if (confirm !== true) {
    throw new AppError({ code: 'CONFIRMATION_REQUIRED', field: 'confirm', message: `confirm: ${what} requires confirm: true` });
  }
}

export function backupsDir(context: ToolContext): string {
  return join(context.app.config.dataDir, 'backups');
}

export function adminTools(defaultWorkspace: string): ToolSpec[] {
  const workspace = workspaceArgument(defaultWorkspace);
  return [
    defineTool({
      name: 'get_statistics',
      title: 'Memory statistics',
      description: 'Counts of a workspace: memories and traces by outcome, memories by domain, failure-derived memories.',
      input: z.strictObject({ workspace }),
      output: z.strictObject({ workspace: z.string(), ...StatisticsSchema.shape }),
      hints: READ_ONLY,
      async run(args, context) {
        const workspaceId = context.workspace(args.workspace);
        return { workspace: workspaceId, ...toStatistics(await context.app.store.getStatistics({ workspaceId })) };
      },
    }),

    defineTool({
      name: 'manage_workspace',
      title: 'Manage workspaces',
      description:
        'list: the workspaces holding memories. stats: the statistics of one. delete: removes a workspace and all its ' +
        'memories and traces; it needs the workspace named explicitly and confirm: true (or dry_run: true to count only).',
      input: z.strictObject({
        action: z.enum(['list', 'stats', 'delete']),
        workspace,
        dry_run: z.boolean().optional().meta({ description: 'delete: only count what would be removed. Defaults to false.' }),
        confirm: confirmArgument,
      }),
      output: z.strictObject({
        action: z.enum(['list', 'stats', 'delete']),
        workspaces: z.array(z.string()).optional(),
        workspace: z.string().optional(),
        statistics: StatisticsSchema.optional(),
        deleted: RetentionResultSchema.optional(),
      }),
      hints: DESTRUCTIVE,
      async run(args, context) {
        const { store } = context.app;
        if (args.action === 'list') return { action: 'list' as const, workspaces: (await store.listWorkspaces()).sort() };
        if (args.action === 'stats') {
          const workspaceId = context.workspace(args.workspace);
          return { action: 'stats' as const, workspace: workspaceId, statistics: toStatistics(await store.getStatistics({ workspaceId })) };
        }
        // A default must never be what gets deleted: the caller names the workspace.
        if (args.workspace === undefined) {
          throw new AppError({ code: 'INVALID_INPUT', field: 'workspace', message: 'workspace: delete needs the workspace named explicitly' });
        }
        const dryRun = args.dry_run ?? false;
        if (!dryRun) requireConfirmation(args.confirm, 'deleting a workspace');
        const deleted = await store.deleteWorkspace({ workspaceId: args.workspace, dryRun });
        return { action: 'delete' as const, workspace: args.workspace, deleted };
      },
    }),

    defineTool({
      name: 'cleanup_old_data',
      title: 'Delete old memories',
      description:
        'Retention: deletes the traces and memories of a workspace created more than older_than_days ago. Requires ' +
        'confirm: true, unless dry_run: true (which only counts).',
      input: z.strictObject({
        workspace,
        older_than_days: z.number().min(0).max(100_000).meta({ description: 'Age in days beyond which records are deleted.' }),
        dry_run: z.boolean().optional().meta({ description: 'Only count what would be deleted. Defaults to false.' }),
        confirm: confirmArgument,
      }),
      output: z.strictObject({ workspace: z.string(), ...RetentionResultSchema.shape }),
      hints: DESTRUCTIVE,
      argumentOf: (field) => field.replace(/^olderThanDays/, 'older_than_days'),
      async run(args, context) {
        const workspaceId = context.workspace(args.workspace);
        const dryRun = args.dry_run ?? false;
        if (!dryRun) requireConfirmation(args.confirm, 'deleting old data');
        const result = await context.app.store.deleteOlderThan({ workspaceId, olderThanDays: args.older_than_days, dryRun });
        return { workspace: workspaceId, ...result };
      },
    }),

    defineTool({
      name: 'backup_memories',
      title: 'Back up and restore memories',
      description:
        "create: writes a workspace's memories and traces to a named backup in the server's data folder (an earlier " +
        'backup of that name is replaced, with confirm: true, only once the new one is complete). validate: checks a ' +
        'backup without writing. restore: restores a backup all or nothing (mode merge or replace), with confirm: true; ' +
        "into its own workspace unless workspace is given. list: the backups there are.",
      input: z.strictObject({
        action: z.enum(['create', 'validate', 'restore', 'list']),
        name: BackupNameSchema.optional(),
        workspace: WorkspaceIdSchema.optional().meta({
          description: `create: the workspace to back up (defaults to ${JSON.stringify(defaultWorkspace)}). restore: where to restore (defaults to the backup's own workspace).`,
        }),
        mode: z.enum(['merge', 'replace']).optional().meta({
          description: 'restore: "merge" keeps records the backup does not hold, "replace" makes the workspace exactly the backup. Defaults to "merge".',
        }),
        confirm: confirmArgument,
      }),
      output: z.strictObject({
        action: z.enum(['create', 'validate', 'restore', 'list']),
        name: z.string().optional(),
        manifest: BackupManifestSchema.optional(),
        restored: z.strictObject({ workspaceId: z.string(), memories: z.int(), traces: z.int() }).optional(),
        backups: z.array(BackupSummarySchema).optional(),
      }),
      hints: DESTRUCTIVE,
      async run(args, context) {
        const { store } = context.app;
        const root = backupsDir(context);
        if (args.action === 'list') return { action: 'list' as const, backups: await listBackups(root) };
        const onProgress = (p: { phase: string; done: number; total?: number }) =>
          context.progress({ done: p.done, ...(p.total === undefined ? {} : { total: p.total }), message: p.phase });
        if (args.action === 'create') {
          const workspaceId = context.workspace(args.workspace);
          const name = args.name ?? defaultBackupName(workspaceId);
          const dir = join(root, name);
          if (existsSync(join(dir, 'manifest.json'))) requireConfirmation(args.confirm, `replacing the existing backup ${JSON.stringify(name)}`);
          const manifest = await store.backup({ workspaceId, dir, onProgress, signal: context.signal });
          return { action: 'create' as const, name, manifest };
        }
        if (args.name === undefined) {
          throw new AppError({ code: 'INVALID_INPUT', field: 'name', message: `name: ${args.action} needs the name of a backup (see action "list")` });
        }
        const dir = join(root, args.name);
        if (!existsSync(join(dir, 'manifest.json'))) {
          throw new AppError({ code: 'NOT_FOUND', field: 'name', message: `name: there is no backup ${JSON.stringify(args.name)} (see action "list")` });
        }
        if (args.action === 'validate') return { action: 'validate' as const, name: args.name, manifest: await store.verifyBackup({ dir }) };
        requireConfirmation(args.confirm, 'restoring a backup (it overwrites records)');
        const restored = await store.restore({
          dir,
          ...(args.workspace === undefined ? {} : { workspaceId: args.workspace }),
          ...(args.mode === undefined ? {} : { mode: args.mode }),
          onProgress,
          signal: context.signal,
        });
        return { action: 'restore' as const, name: args.name, restored };
      },
    }),
  ];
}

function defaultBackupName(workspaceId: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return `${workspaceId.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[._-]+/, '').slice(0, 60) || 'workspace'}-${stamp}`;
}

async function listBackups(root: string): Promise<z.input<typeof BackupSummarySchema>[]> {
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return [];
  }
  const backups: z.input<typeof BackupSummarySchema>[] = [];
  for (const name of names.sort()) {
    try {
      const manifest = BackupManifestSchema.parse(JSON.parse(await readFile(join(root, name, 'manifest.json'), 'utf8')));
      backups.push({ name, workspaceId: manifest.workspaceId, createdAt: manifest.createdAt, ...manifest.counts });
    } catch {
      // not a backup folder, or one whose manifest is unreadable: `validate` says what is wrong with it
    }
  }
  return backups;
}
