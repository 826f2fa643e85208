import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { errorText } from './api.js';

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: string | undefined;
  readonly reload: () => void;
}

/** Loads on mount and on `reload()`; with `everyMs`, again on that interval (live status, logs). */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[], everyMs?: number): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    let live = true;
    const run = (): void => {
      loadRef.current().then(
        (value) => live && (setData(value), setError(undefined)),
        (e: unknown) => live && setError(errorText(e)),
      );
    };
    run();
    const timer = everyMs === undefined ? undefined : setInterval(run, everyMs);
    return () => {
      live = false;
      if (timer !== undefined) clearInterval(timer);
    };
  }, [...deps, tick, everyMs]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, reload };
}

/** Runs one action at a time and keeps its outcome for the status line. */
export function useAction(): {
  busy: boolean;
  message: string | undefined;
  error: string | undefined;
  run: (what: () => Promise<string | undefined>) => Promise<void>;
} {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const run = async (what: () => Promise<string | undefined>): Promise<void> => {
    setBusy(true);
    setError(undefined);
    setMessage(undefined);
    try {
      setMessage(await what());
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return { busy, message, error, run };
}
