/** The console's one way to the gateway: its public HTTP API, with the signed-in token as a Bearer header. */

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

export type Json = Record<string, unknown>;

export interface Api {
  get<T = Json>(path: string): Promise<T>;
  send<T = Json>(method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T>;
  /** Plain text (GET /metrics). */
  text(path: string): Promise<string>;
  /**
   * Follows a server-sent-event response (package install progress, a server's logs); resolves when
   * it ends. `onEvent` gets each event's id too (what a reconnect sends back as Last-Event-ID).
   */
  stream(
    method: 'POST' | 'PUT' | 'GET',
    path: string,
    body: unknown,
    onEvent: (event: string, data: unknown, id?: string) => void,
    options?: { signal?: AbortSignal; lastEventId?: string },
  ): Promise<void>;
}

/**
 * No cookies: the token travels only in the Authorization header, which a cross-site page cannot
 * make a browser send, so there is nothing for CSRF to ride on.
 */
export function createApi(token: string, onUnauthorized: () => void): Api {
  const request = async (
    method: string,
    path: string,
    body: unknown,
    accept: string,
    extra: { signal?: AbortSignal; lastEventId?: string } = {},
  ): Promise<Response> => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (extra.lastEventId !== undefined) headers['last-event-id'] = extra.lastEventId;
    const res = await fetch(path, {
      method,
      headers,
      ...(extra.signal ? { signal: extra.signal } : {}),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (res.status === 401) onUnauthorized();
    if (!res.ok) throw await errorOf(res);
    return res;
  };
  return {
    get: async <T>(path: string) =>
      (await (await request('GET', path, undefined, 'application/json')).json()) as T,
    send: async <T>(method: string, path: string, body?: unknown) =>
      (await (await request(method, path, body, 'application/json')).json()) as T,
    text: async (path) => (await request('GET', path, undefined, 'text/plain')).text(),
    async stream(method, path, body, onEvent, options = {}) {
      const sent = method === 'GET' ? undefined : body;
      const res = await request(method, path, sent, 'text/event-stream', options);
      await readEvents(res, onEvent);
    },
  };
}

async function errorOf(res: Response): Promise<ApiError> {
  try {
    const body = (await res.json()) as { error?: string; code?: string };
    return new ApiError(body.error ?? `HTTP ${res.status}`, res.status, body.code);
  } catch {
    return new ApiError(`HTTP ${res.status}`, res.status);
  }
}

/** EventSource cannot send an Authorization header, so the stream is read from fetch. */
async function readEvents(
  res: Response,
  onEvent: (event: string, data: unknown, id?: string) => void,
): Promise<void> {
  if (!res.body) return;
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      let id: string | undefined;
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
        else if (line.startsWith('id: ')) id = line.slice(4);
      }
      if (data.length > 0) onEvent(event, JSON.parse(data.join('\n')) as unknown, id);
    }
  }
}

export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));
