/** A change to a workspace, announced so that other stores (other processes) drop what they cached of it. */
export interface InvalidationEvent {
  workspaceId: string;
  /** Memories whose records changed or vanished; absent when the whole workspace may have changed. */
  memoryIds?: readonly string[];
  /** The announcing store, so it can ignore its own events. */
  origin: string;
}

/**
 * The one seam through which stores sharing a backend learn of each other's writes (e.g. a Redis pub/sub channel for
 * several server processes over one Chroma). A store publishes every write it acknowledges, and on an event from
 * another origin drops its lexical index of that workspace and tells its backend (`MemoryBackend.invalidate`).
 */
export interface InvalidationSeam {
  /** Called after each write, acknowledged or failed. Should not throw; if it does, the error is ignored. */
  publish(event: InvalidationEvent): void;
  /** Returns a function that stops the listener. */
  subscribe(listener: (event: InvalidationEvent) => void): () => void;
}

/** An in-process seam: stores created with the same one see each other's writes (useful in tests, and for workers). */
export function createLocalInvalidation(): InvalidationSeam {
  const listeners = new Set<(event: InvalidationEvent) => void>();
  return {
    publish(event) {
      for (const listener of [...listeners]) listener(event);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
