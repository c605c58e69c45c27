import { ResourceNotFoundError, ResourceTemplate, type McpServer } from '@modelcontextprotocol/server';
import { MemoryItemSchema } from '@rb/memory';
import type { App } from '../app.js';

/** `memory://{workspace}/{id}` (both parts URI-encoded), as tools and clients build it. */
export function memoryUri(workspaceId: string, id: string): string {
  return `memory://${encodeURIComponent(workspaceId)}/${encodeURIComponent(id)}`;
}

/**
 * The resource template `memory://{workspace}/{id}`: one memory as JSON. The workspace is part of the URI, so reading
 * a memory names its workspace like every tool call does.
 */
export function registerMemoryResource(server: McpServer, app: App): void {
  server.registerResource(
    'memory',
    new ResourceTemplate('memory://{workspace}/{id}', { list: undefined }),
    {
      title: 'A memory item',
      description: 'One memory (title, description, content, outcome, genealogy) of a workspace, as JSON.',
      mimeType: 'application/json',
    },
    async (uri, variables) => {
      const workspaceId = decode(variables['workspace']);
      const id = decode(variables['id']);
      const memory = workspaceId && id ? await app.store.getMemory({ workspaceId, id }) : undefined;
      if (memory === undefined) throw new ResourceNotFoundError(uri.href, `no memory ${JSON.stringify(id)} in workspace ${JSON.stringify(workspaceId)}`);
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(MemoryItemSchema.parse(memory)) }] };
    },
  );
}

function decode(value: string | string[] | undefined): string | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}
