import { ChromaApi } from '../chroma-api.js';
import { resolveBackendOptions } from '../chroma-backend-options.js';

/** What a bank holds in Chroma, read around the store: collection names and leftover write journals. */
export async function rawChroma(url: string, prefix: string): Promise<{ collections: string[]; journals: number }> {
  const api = new ChromaApi(resolveBackendOptions({ url }).connection);
  try {
    const collections = (await api.listCollections(10_000, 0)).map((c) => c.name).filter((name) => name.startsWith(`${prefix}-`));
    const registry = await api.getCollection(`${prefix}-registry`);
    const journals = registry ? (await api.get(registry.id, { where: { kind: 'journal' }, include: [] })).ids.length : 0;
    return { collections, journals };
  } finally {
    await api.close();
  }
}
