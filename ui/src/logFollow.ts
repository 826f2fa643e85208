import { useEffect, useState } from 'preact/hooks';
import { errorText, type Api } from './api.js';

/** Lines kept on the page: the gateway buffers fewer per server; this bounds a long-open tab. */
const KEEP = 500;
const RETRY_MS = 2000;

export interface FollowedLogs {
  readonly lines: readonly string[];
  /** 'live' while the stream is open; otherwise why not (reconnecting, ended). */
  readonly state: string;
}

/**
 * Follows GET /mcp/servers/:name/logs/stream while mounted. On a dropped connection it reconnects
 * with the last id it saw, so it gets only the lines it missed (or `reset` and the whole buffer).
 */
export function useLogFollow(api: Api, name: string, enabled: boolean): FollowedLogs {
  const [lines, setLines] = useState<readonly string[]>([]);
  const [state, setState] = useState('connecting');
  useEffect(() => {
    if (!enabled) return undefined;
    const abort = new AbortController();
    let lastId: string | undefined;
    setLines([]);
    const path = `/mcp/servers/${encodeURIComponent(name)}/logs/stream`;
    const onEvent = (event: string, data: unknown, id?: string): void => {
      if (id !== undefined) lastId = id;
      if (event === 'reset') setLines([]);
      else if (event === 'log')
        setLines((old) => [...old, String((data as { line?: unknown }).line)].slice(-KEEP));
      else if (event === 'end') {
        setState('ended: the server was deleted');
        abort.abort();
      }
    };
    const run = async (): Promise<void> => {
      while (!abort.signal.aborted) {
        setState('live');
        try {
          await api.stream('GET', path, undefined, onEvent, {
            signal: abort.signal,
            ...(lastId === undefined ? {} : { lastEventId: lastId }),
          });
        } catch (e) {
          if (abort.signal.aborted) return;
          setState(`reconnecting (${errorText(e)})`);
        }
        if (abort.signal.aborted) return;
        setState('reconnecting');
        await new Promise((r) => setTimeout(r, RETRY_MS));
      }
    };
    void run();
    return () => abort.abort();
  }, [api, name, enabled]);
  return { lines, state };
}
