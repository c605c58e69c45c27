import type { MemoryStore, RetrieveRequest, RetrievedMemory } from '@rb/memory';
import { WorkspaceIdSchema } from '@rb/memory';
import { invalidOptions } from './errors.js';
import type { LanguageModel } from './llm/language-model.js';
import { ResponsesAPIClient } from './llm/responses-api-client.js';
import type { AgentOptions } from './loop/agent-options.js';
import type { LearnRequest, SolveRequest } from './loop/agent-requests.js';
import type { LearnResult, SolveResult } from './loop/agent-results.js';
import { IterativeReasoningAgent } from './loop/iterative-reasoning-agent.js';

/** Options of {@link createReasoningBank}: the agent's, with a store required and the model optional. */
export interface ReasoningBankOptions extends Omit<AgentOptions, 'model' | 'store'> {
  /** The memory bank (`InMemoryMemoryStore`, `ChromaMemoryStore`, ...). Required; `close()` leaves it open. */
  store: MemoryStore;
  /**
   * The model. Defaults to a `ResponsesAPIClient` configured from `OPENAI_API_KEY`, `OPENAI_BASE_URL` and
   * `OPENAI_MODEL`, which `close()` then closes.
   */
  model?: LanguageModel;
  /** The workspace of calls that name none. Defaults to `'default'`. */
  workspaceId?: string;
}

/** A request of the facade: the workspace defaults to the bank's. */
export type BankRetrieveRequest = Omit<RetrieveRequest, 'workspaceId'> & { workspaceId?: string };

/** The ReasoningBank in one object: solve tasks with memory, learn from trajectories, retrieve lessons. */
export interface ReasoningBank {
  readonly agent: IterativeReasoningAgent;
  readonly store: MemoryStore;
  readonly model: LanguageModel;
  readonly workspaceId: string;
  /** Retrieve -> think -> evaluate -> refine -> judge -> extract -> consolidate -> store (or MaTTS). */
  solve(request: SolveRequest | string): Promise<SolveResult>;
  /** Judge (unless `outcome` is given), extract, consolidate and store a trajectory produced elsewhere. */
  learn(request: LearnRequest): Promise<LearnResult>;
  /** The memories most relevant to a query (a string, or a request). */
  retrieve(request: string | BankRetrieveRequest): Promise<RetrievedMemory[]>;
  /** Closes the agent, and the model when the bank created it. The store stays open: it is yours. */
  close(): Promise<void>;
}

/**
 * Creates a ReasoningBank: `createReasoningBank({ store, model })`, then `solve`, `learn` and `retrieve`. Every call
 * works in `workspaceId` (the bank's default unless the request names another).
 */
export function createReasoningBank(options: ReasoningBankOptions): ReasoningBank {
  if (typeof options !== 'object' || options === null) throw invalidOptions('options', 'options must be an object with a store');
  const { model: given, workspaceId: workspace, ...rest } = options;
  if (rest.store === undefined) throw invalidOptions('store', 'store is required: a MemoryStore such as new InMemoryMemoryStore(...)');
  const parsed = WorkspaceIdSchema.safeParse(workspace ?? 'default');
  if (!parsed.success) throw invalidOptions('workspaceId', `workspaceId ${parsed.error.issues[0]!.message}`);
  const workspaceId = parsed.data;
  const owned = given === undefined ? new ResponsesAPIClient() : undefined;
  const model = given ?? owned!;
  let agent: IterativeReasoningAgent;
  try {
    agent = new IterativeReasoningAgent({ ...rest, model });
  } catch (error) {
    void owned?.close();
    throw error;
  }
  return {
    agent,
    store: rest.store,
    model,
    workspaceId,
    solve: (request) => agent.solve(typeof request === 'string' ? { task: request, workspaceId } : withWorkspace(request, workspaceId)),
    learn: (request) => agent.learn(withWorkspace(request, workspaceId)),
    retrieve: (request) => agent.retrieve(typeof request === 'string' ? { query: request, workspaceId } : withWorkspace(request, workspaceId)),
    close: async () => {
      agent.close();
      await owned?.close();
    },
  };
}

/** The request with the bank's workspace when it names none (a malformed request is left for the agent to refuse). */
function withWorkspace<R extends { workspaceId?: string }>(request: R, workspaceId: string): R & { workspaceId: string } {
  if (typeof request !== 'object' || request === null) return request as R & { workspaceId: string };
  return { ...request, workspaceId: request.workspaceId ?? workspaceId };
}
