// The two OpenAI wire formats, as the test server writes them: whole JSON answers and server-sent event streams.

/** A reply reduced to what both formats need. */
export interface WireReply {
  id: string;
  model: string;
  created: number;
  text: string;
  refusal: string | undefined;
  finishReason: 'stop' | 'length' | 'content_filter';
  usage: { input: number; output: number; reasoning: number; cached: number };
}

export function responsesJson(reply: WireReply): Record<string, unknown> {
  const content =
    reply.refusal !== undefined
      ? [{ type: 'refusal', refusal: reply.refusal }]
      : [{ type: 'output_text', text: reply.text, annotations: [] }];
  const complete = reply.finishReason === 'stop';
  return {
    id: `resp_${reply.id}`,
    object: 'response',
    created_at: reply.created,
    status: complete ? 'completed' : 'incomplete',
    incomplete_details: complete ? null : { reason: reply.finishReason === 'length' ? 'max_output_tokens' : 'content_filter' },
    error: null,
    model: reply.model,
    output: [{ type: 'message', id: `msg_${reply.id}`, status: complete ? 'completed' : 'incomplete', role: 'assistant', content }],
    usage: {
      input_tokens: reply.usage.input,
      input_tokens_details: { cached_tokens: reply.usage.cached },
      output_tokens: reply.usage.output,
      output_tokens_details: { reasoning_tokens: reply.usage.reasoning },
      total_tokens: reply.usage.input + reply.usage.output,
    },
  };
}

export function chatJson(reply: WireReply): Record<string, unknown> {
  return {
    id: `chatcmpl-${reply.id}`,
    object: 'chat.completion',
    created: reply.created,
    model: reply.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: reply.refusal === undefined ? reply.text : null, refusal: reply.refusal ?? null },
        finish_reason: reply.finishReason,
      },
    ],
    usage: chatUsage(reply),
  };
}

function chatUsage(reply: WireReply): Record<string, unknown> {
  return {
    prompt_tokens: reply.usage.input,
    completion_tokens: reply.usage.output,
    total_tokens: reply.usage.input + reply.usage.output,
    prompt_tokens_details: { cached_tokens: reply.usage.cached },
    completion_tokens_details: { reasoning_tokens: reply.usage.reasoning },
  };
}

/** The text in a few pieces, as a model streams it. */
function pieces(text: string): string[] {
  const out: string[] = [];
  const size = Math.max(1, Math.ceil(text.length / 4));
  for (let at = 0; at < text.length; at += size) out.push(text.slice(at, at + size));
  return out;
}

/** The Responses API's event stream: `event:` lines with typed JSON, ending with the whole response. */
export function responsesEvents(reply: WireReply): string[] {
  const final = responsesJson(reply);
  const inProgress = { ...final, status: 'in_progress', output: [], usage: null, incomplete_details: null };
  let sequence = 0;
  const event = (type: string, data: Record<string, unknown>) =>
    `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...data })}\n\n`;
  const itemId = `msg_${reply.id}`;
  const events = [event('response.created', { response: inProgress }), event('response.in_progress', { response: inProgress })];
  events.push(event('response.output_item.added', { output_index: 0, item: { type: 'message', id: itemId, role: 'assistant', content: [] } }));
  const part = (done: boolean) =>
    reply.refusal !== undefined
      ? { type: 'refusal', refusal: done ? reply.refusal : '' }
      : { type: 'output_text', text: done ? reply.text : '', annotations: [] };
  const at = { item_id: itemId, output_index: 0, content_index: 0 };
  events.push(event('response.content_part.added', { ...at, part: part(false) }));
  if (reply.refusal !== undefined) {
    for (const delta of pieces(reply.refusal)) events.push(event('response.refusal.delta', { ...at, delta }));
    events.push(event('response.refusal.done', { ...at, refusal: reply.refusal }));
  } else {
    for (const delta of pieces(reply.text)) events.push(event('response.output_text.delta', { ...at, delta, logprobs: [] }));
    events.push(event('response.output_text.done', { ...at, text: reply.text, logprobs: [] }));
  }
  events.push(event('response.content_part.done', { ...at, part: part(true) }));
  events.push(event('response.output_item.done', { output_index: 0, item: (final['output'] as unknown[])[0] }));
  events.push(event(reply.finishReason === 'stop' ? 'response.completed' : 'response.incomplete', { response: final }));
  return events;
}

/** Chat Completions' stream: `data:` chunks of deltas, the finish reason, a usage chunk, then `[DONE]`. */
export function chatEvents(reply: WireReply, includeUsage: boolean): string[] {
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    `data: ${JSON.stringify({ id: `chatcmpl-${reply.id}`, object: 'chat.completion.chunk', created: reply.created, model: reply.model, choices, ...extra })}\n\n`;
  const events = [chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }])];
  const field = reply.refusal === undefined ? 'content' : 'refusal';
  for (const piece of pieces(reply.refusal ?? reply.text)) events.push(chunk([{ index: 0, delta: { [field]: piece }, finish_reason: null }]));
  events.push(chunk([{ index: 0, delta: {}, finish_reason: reply.finishReason }]));
  if (includeUsage) events.push(chunk([], { usage: chatUsage(reply) }));
  events.push('data: [DONE]\n\n');
  return events;
}

/** An OpenAI-style error body. */
export function errorJson(status: number, message: string): Record<string, unknown> {
  const type = status === 401 || status === 403 ? 'invalid_request_error' : status === 429 ? 'rate_limit_error' : status >= 500 ? 'server_error' : 'invalid_request_error';
  return { error: { message, type, param: null, code: status === 401 ? 'invalid_api_key' : null } };
}
