import { BackendMemoryStore } from '../store/backend-memory-store.js';
import { createFaultyBackend, describeMemoryStore, type FaultyBackend } from '../testing/index.js';
import { InMemoryBackend } from './in-memory-backend.js';
import { InMemoryMemoryStore } from './in-memory-memory-store.js';

describeMemoryStore('InMemoryMemoryStore', ({ embedder, now }) => new InMemoryMemoryStore({ embedder, now }));

const faulty = new WeakMap<object, FaultyBackend>();
describeMemoryStore(
  'BackendMemoryStore over a breakable InMemoryBackend',
  ({ embedder, now }) => {
    const backend = createFaultyBackend(new InMemoryBackend());
    const store = new BackendMemoryStore({ backend, embedder, now });
    faulty.set(store, backend);
    return store;
  },
  {
    breakBackend: async (store) => {
      faulty.get(store)!.breakDown();
      return async () => faulty.get(store)!.repair();
    },
  },
);
