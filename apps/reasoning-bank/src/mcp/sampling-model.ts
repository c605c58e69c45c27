import { AgentError, type GenerateRequest, type GenerateResult, type LanguageModel } from '@rb/agent';
import type { ServerContext } from '@modelcontextprotocol/server';

type RequestSampling = ServerContext['mcpReq']['requestSampling'];

/**
 * The client's own model as a `LanguageModel`, through MCP sampling (`sampling/createMessage`, 2025-11-25 clients
 * that declare the `sampling` capability). The client decides which model answers and may ask its user first; it
 * reports no token usage, so usage is zero. A JSON answer is asked for in the instructions (sampling has no
 * structured-output switch); the agent validates and repairs it as for any model.
 */
export function samplingModel(requestSampling: RequestSampling, callSignal: AbortSignal): LanguageModel {
  return {
    provider: 'mcp-sampling',
    modelId: 'client-model',
    async generate(request: GenerateRequest): Promise<GenerateResult> {
      const signal = request.signal ? AbortSignal.any([request.signal, callSignal]) : callSignal;
      const format = request.responseFormat
        ? `\n\nAnswer with JSON only (no prose, no code fence) matching the JSON Schema "${request.responseFormat.name}":\n` +
          JSON.stringify(request.responseFormat.schema)
        : '';
      let result: Awaited<ReturnType<RequestSampling>>;
      try {
        result = await requestSampling(
          {
            ...(request.instructions === undefined && format === '' ? {} : { systemPrompt: `${request.instructions ?? ''}${format}` }),
            messages: request.messages.map((message) => ({ role: message.role, content: { type: 'text', text: message.content } })),
            ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
            maxTokens: request.maxOutputTokens ?? 4096,
            includeContext: 'none',
          },
          { signal, timeout: 300_000 },
        );
      } catch (error) {
        if (signal.aborted) throw new AgentError({ code: 'ABORTED', message: 'the call was cancelled', cause: error });
        throw new AgentError({
          code: 'PROVIDER_ERROR',
          message: `the client's model (MCP sampling) failed: ${error instanceof Error ? error.message : String(error)}`,
          cause: error,
        });
      }
      const blocks = Array.isArray(result.content) ? result.content : [result.content];
      const text = blocks.map((block) => (block.type === 'text' ? block.text : '')).join('');
      let json: unknown;
      if (request.responseFormat) {
        try {
          json = JSON.parse(stripFence(text));
        } catch {
          // left undefined: the agent repairs or reports it
        }
      }
      return {
        text,
        ...(json === undefined ? {} : { json }),
        usage: { input: 0, output: 0 },
        finishReason: result.stopReason === 'maxTokens' ? 'length' : 'stop',
        model: result.model,
        fromCache: false,
      };
    },
  };
}

function stripFence(text: string): string {
  const fenced = /^\s*```(?:json)?\s*\n([\s\S]*?)\n\s*```\s*$/.exec(text);
  return fenced ? fenced[1]! : text;
}
