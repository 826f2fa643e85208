import type { FetchLike } from '@modelcontextprotocol/client';

type Json = Record<string, unknown>;

/**
 * Streamable HTTP sends what a server asks or logs during a call on that call's own response
 * stream, but the SDK's client transport forgets which stream a message came on. This wraps the
 * transport's fetch: a POST carrying one of our progress tokens has its SSE response read on the
 * side (the bytes pass through untouched), and every server→client request (by JSON-RPC id) and
 * log message seen on it is noted as belonging to that call.
 */
export class StreamAttribution {
  private readonly requests = new Map<string, string>();
  private readonly logs = new Map<string, string[]>();
  private readonly byToken = new Map<string, Set<string>>();

  /** Whether a token belongs to a call in flight (only those POSTs are watched). */
  constructor(private readonly isLive: (token: string) => boolean) {}

  wrap(fetch: FetchLike): FetchLike {
    return async (url, init) => {
      const response = await fetch(url, init);
      const token = init?.method === 'POST' ? this.tokenOf(init.body) : undefined;
      const type = response.headers.get('content-type') ?? '';
      if (!token || !response.body || !type.startsWith('text/event-stream')) return response;
      return new Response(response.body.pipeThrough(this.watch(token)), {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
    };
  }

  /** The call a server→client request came for, by its JSON-RPC id (once). */
  requestOwner(id: string | number): string | undefined {
    return this.take(this.requests, String(id));
  }

  /** The call a log message came for (once). */
  logOwner(params: Json): string | undefined {
    return this.take(this.logs, logKey(params));
  }

  /** A call ended: whatever was noted for it and never asked for is forgotten. */
  forget(token: string): void {
    for (const key of this.byToken.get(token) ?? []) {
      if (this.requests.get(key) === token) this.requests.delete(key);
      const queue = this.logs.get(key)?.filter((t) => t !== token);
      if (queue?.length) this.logs.set(key, queue);
      else this.logs.delete(key);
    }
    this.byToken.delete(token);
  }

  private take(map: Map<string, string> | Map<string, string[]>, key: string): string | undefined {
    const value = map.get(key);
    if (typeof value === 'string') {
      map.delete(key);
      return value;
    }
    const token = value?.shift();
    if (value && value.length === 0) map.delete(key);
    return token;
  }

  private tokenOf(body: unknown): string | undefined {
    if (typeof body !== 'string') return undefined;
    try {
      const message = JSON.parse(body) as Json;
      const params = message.params as Json | undefined;
      const token = (params?._meta as Json | undefined)?.progressToken;
      return typeof token === 'string' && this.isLive(token) ? token : undefined;
    } catch {
      return undefined;
    }
  }

  private watch(token: string): TransformStream<Uint8Array, Uint8Array> {
    const decoder = new TextDecoder();
    let pending = '';
    let data: string[] = [];
    const line = (text: string): void => {
      if (text === '' || text === '\r') {
        if (data.length > 0) this.note(token, data.join('\n'));
        data = [];
      } else if (text.startsWith('data:')) {
        data.push(text.slice(text.startsWith('data: ') ? 6 : 5).replace(/\r$/, ''));
      }
    };
    return new TransformStream({
      transform: (chunk, controller) => {
        controller.enqueue(chunk);
        const lines = (pending + decoder.decode(chunk, { stream: true })).split('\n');
        pending = lines.pop() ?? '';
        lines.forEach(line);
      },
    });
  }

  private note(token: string, data: string): void {
    let message: Json;
    try {
      message = JSON.parse(data) as Json;
    } catch {
      return;
    }
    if (typeof message.method !== 'string') return;
    let key: string | undefined;
    if ('id' in message && (typeof message.id === 'string' || typeof message.id === 'number')) {
      key = String(message.id);
      this.requests.set(key, token);
    } else if (message.method === 'notifications/message') {
      key = logKey((message.params ?? {}) as Json);
      this.logs.set(key, [...(this.logs.get(key) ?? []), token]);
    }
    if (!key) return;
    const keys = this.byToken.get(token) ?? new Set<string>();
    this.byToken.set(token, keys.add(key));
  }
}

/** Log messages have no id: the same level, logger and data make the same message. */
const logKey = (params: Json): string =>
  JSON.stringify([params.level, params.logger ?? null, params.data ?? null]);
