import { Command, Option } from 'commander';
import { DEFAULT_PORT } from '../config/app-options.js';
import { VERSION } from '../version.js';

// Commands load what they need when they run: `rb --help` or a usage error does not pay for the model, Chroma and
// MCP imports.
const store = () => import('./store-commands.js');

const EPILOG = `
Settings come from flags, else the environment: RB_DATA_DIR (default ~/.reasoning-bank), CHROMA_URL (a running Chroma
instead of the embedded one), RB_MODEL_DIR, RB_WORKSPACE (default "default"), RB_LLM_BASE_URL / RB_LLM_API_KEY /
RB_LLM_MODEL / RB_LLM_API (or OPENAI_API_KEY alone), RB_HOST / RB_PORT / RB_AUTH_TOKEN (HTTP), OTEL_EXPORTER_OTLP_ENDPOINT
(telemetry), RB_LOG_LEVEL. Logs go to stderr; results to stdout (one JSON line with --json).

Exit codes: 0 done, 1 the operation failed, 2 bad usage or input, 3 something needed is not configured or not working.`;

/** The `rb` command line. `parseAsync` runs the chosen command; errors propagate to the caller (see cli.ts). */
export function createProgram(): Command {
  const program = new Command('rb')
    .description('ReasoningBank: a memory of lessons for coding assistants, served over MCP.')
    .version(VERSION)
    .option('--json', 'print results as one JSON line')
    .option('-w, --workspace <id>', 'workspace to use (RB_WORKSPACE)')
    .option('--data-dir <dir>', 'data folder of the embedded Chroma and backups (RB_DATA_DIR)')
    .option('--chroma-url <url>', 'use a running Chroma server (CHROMA_URL)')
    .option('--model-dir <dir>', 'folder of the embedding model (RB_MODEL_DIR)')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent (RB_LOG_LEVEL)')
    .addHelpText('after', EPILOG)
    .showHelpAfterError()
    .exitOverride();
  const globals = () => program.opts();

  program
    .command('serve')
    .description('serve MCP: on stdio (the client starts the server), or with --http on Streamable HTTP')
    .option('--http', 'serve Streamable HTTP instead of stdio')
    .option('--port <port>', `HTTP port, 0 for any free one (RB_PORT, default ${DEFAULT_PORT})`)
    .option('--host <address>', 'HTTP bind address (RB_HOST, default 127.0.0.1; others need RB_AUTH_TOKEN)')
    .action(async (options) => (await import('./serve-command.js')).serve({ ...globals(), ...options }));

  program
    .command('retrieve <query>')
    .description('the memories most relevant to a query')
    .option('-k, --k <n>', 'memories returned, 1-100', '3')
    .option('--domain <domain>', 'only memories of this domain')
    .option('--tag <tag...>', 'only memories with one of these tags')
    .option('--min-score <score>', 'relevance threshold 0-1 (default: the store\'s)')
    .option('--no-failures', 'leave out lessons learned from failures')
    .action(async (query: string, options) => (await store()).retrieveCommand(query, { ...globals(), ...options }));

  program
    .command('learn <trajectory.json>')
    .description('judge a trajectory (task, trajectory, optional outcome) and store its lessons; needs an LLM endpoint')
    .action(async (file: string) => (await store()).learnCommand(file, globals()));

  program
    .command('ingest <memories.jsonl>')
    .description('store memories (or traces) from a JSON Lines file, checked in full first; "-" reads stdin')
    .action(async (file: string) => (await store()).ingestCommand(file, globals()));

  program
    .command('backup <dir>')
    .description('write the workspace to a backup folder (an earlier backup there is replaced once this one is complete)')
    .action(async (dir: string) => (await store()).backupCommand(dir, globals()));

  program
    .command('restore <dir>')
    .description("restore a backup all or nothing, into its own workspace unless --workspace is given")
    .addOption(new Option('--mode <mode>', 'merge keeps records the backup lacks; replace makes the workspace the backup').choices(['merge', 'replace']))
    .action(async (dir: string, options) => (await store()).restoreCommand(dir, { ...globals(), ...options }));

  program
    .command('stats')
    .description('counts of the workspace')
    .option('--all', 'every workspace')
    .action(async (options) => (await store()).statsCommand({ ...globals(), ...options }));

  program
    .command('doctor')
    .description('check the model, Chroma, glibc, the data folder, the port and the LLM, and say how to fix each')
    .option('--port <port>', 'HTTP port to check')
    .action(async (options) => (await import('./doctor-command.js')).doctorCommand({ ...globals(), ...options }));

  program
    .command('bench')
    .description("run the benchmark suite: the seed's four tables side by side with ours, retrieval at 1k/10k, MaTTS wall time")
    .option('--quick', 'smaller sizes (a minute or two), for a smoke run')
    .action(async (options) => (await import('./bench-command.js')).benchCommand({ ...globals(), ...options }));

  return program;
}
