import type { LanguageModel } from '@rb/agent';
import { WorkspaceIdSchema } from '@rb/memory';
import { z } from 'zod';
import type { App } from '../app.js';

/** The MCP tool annotations (hints for clients; `title` comes from the tool's own title). */
export interface ToolHints {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

/** What a tool's `run` gets besides its arguments. */
export interface ToolContext {
  readonly app: App;
  /** Fires when the client cancels the call (or the session ends): pass it to every long operation. */
  readonly signal: AbortSignal;
  /** The workspace an argument names, else the server's default. */
  workspace(argument: string | undefined): string;
  /** Reports progress when the client asked for it (a `progressToken`); otherwise does nothing. */
  progress(progress: { done: number; total?: number; message?: string }): void;
  /**
   * The LLM for this call: the configured endpoint, else the client's model through MCP sampling when the client
   * offers it, else an `LLM_NOT_CONFIGURED` error saying what to configure.
   */
  languageModel(): LanguageModel;
  /** Where `languageModel()` would get its model from, for `health`. */
  llmSource(): 'endpoint' | 'sampling' | 'none';
}

/** A tool: its schemas (input and output, both zod), title, hints and implementation. */
export interface ToolSpec<I extends z.ZodObject = z.ZodObject, O extends z.ZodObject = z.ZodObject> {
  name: string;
  title: string;
  description: string;
  input: I;
  output: O;
  hints: ToolHints;
  /**
   * Maps a field path of an error thrown by the store or the agent (`trace.memories[0].title`) to the argument it
   * came from (`memory.title`), so an error names what the caller wrote.
   */
  argumentOf?: (field: string) => string;
  run(args: z.output<I>, context: ToolContext): Promise<z.input<O>>;
}

/** Declares a tool with its types checked (arguments from `input`, result against `output`). */
export function defineTool<I extends z.ZodObject, O extends z.ZodObject>(spec: ToolSpec<I, O>): ToolSpec {
  return spec as unknown as ToolSpec;
}

export const READ_ONLY: ToolHints = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };
export const ADDITIVE: ToolHints = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false };
export const DESTRUCTIVE: ToolHints = { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false };
/** Calls the LLM (an outside service) and stores what it learned. */
export const LLM_WRITE: ToolHints = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true };

/** The optional `workspace` argument of every tool that reads or writes memories. */
export function workspaceArgument(defaultWorkspace: string) {
  return WorkspaceIdSchema.optional().meta({
    description: `Workspace (isolation scope, e.g. a project) to use. Defaults to the server's: ${JSON.stringify(defaultWorkspace)}.`,
  });
}

/** `confirm: true`, required by destructive actions so that no client deletes or overwrites by accident. */
export const confirmArgument = z
  .literal(true)
  .optional()
  .meta({ description: 'Must be true to carry out a destructive action (delete, overwrite, restore).' });
