import { getEventListeners, setMaxListeners } from 'node:events';
import type { FetchLike } from '@modelcontextprotocol/client';

/**
 * The SDK's HTTP transports pass one connection-wide AbortSignal into every fetch, and undici
 * leaves an abort listener on it per request until GC: a gateway making thousands of calls grows
 * listeners (and memory) without bound (seen with SDK 1.32.x). Each request gets its own signal
 * here, bridged from the parent by one listener that is removed when the response body ends, fails
 * or is cancelled, so listeners on the parent are bounded by the requests in flight.
 */
export interface IsolatingFetch {
  readonly fetch: FetchLike;
  /** Abort listeners currently on the parent signals seen (diagnostics and tests). */
  parentListenerCount(): number;
}

export function createIsolatingFetch(base: FetchLike): IsolatingFetch {
  const parents = new Set<WeakRef<AbortSignal>>();
  const known = new WeakSet<AbortSignal>();

  const isolating: FetchLike = async (input, init = {}) => {
    const parent = init.signal;
    if (!parent || parent.aborted) return base(input, init);
    if (!known.has(parent)) {
      known.add(parent);
      parents.add(new WeakRef(parent));
      // Bridges are bounded by requests in flight; long SSE streams plus a burst may pass Node's default of 10.
      setMaxListeners(10_000, parent);
    }
    const own = new AbortController();
    const onAbort = (): void => own.abort(parent.reason);
    parent.addEventListener('abort', onAbort, { once: true });
    let unhooked = false;
    const unhook = (): void => {
      if (unhooked) return;
      unhooked = true;
      parent.removeEventListener('abort', onAbort);
    };
    let response: Response;
    try {
      response = await base(input, { ...init, signal: own.signal });
    } catch (error) {
      unhook();
      throw error;
    }
    if (!response.body) {
      unhook();
      return response;
    }
    const reader = response.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const chunk = await reader.read();
          if (chunk.done) {
            unhook();
            controller.close();
          } else controller.enqueue(chunk.value);
        } catch (error) {
          unhook();
          controller.error(error);
        }
      },
      cancel(reason) {
        unhook();
        return reader.cancel(reason);
      },
    });
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };

  return {
    fetch: isolating,
    parentListenerCount() {
      let total = 0;
      for (const ref of parents) {
        const signal = ref.deref();
        if (!signal) parents.delete(ref);
        else total += getEventListeners(signal, 'abort').length;
      }
      return total;
    },
  };
}
