import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/server';

/** What a web-standard MCP handler (a transport, or createMcpHandler) takes besides the request. */
export interface WebHandlerOptions {
  readonly parsedBody?: unknown;
  readonly authInfo?: AuthInfo;
}
export type WebHandler = (request: Request, options: WebHandlerOptions) => Promise<Response>;

/**
 * How long a POST's SSE answer may hold its first bytes (headers and the resumability priming event)
 * waiting for the first real message, so a quick call goes out as one write: headers, priming event,
 * result and the end. A slower call still gets its headers and priming event after this.
 */
const HOLD_MS = 5;

/**
 * The Node side of /mcp without a body round trip: the body the HTTP layer already parsed goes to the
 * SDK as `parsedBody` (never re-serialised), the web Request carries only method, URL, headers and a
 * signal that aborts when the response closes. One Request serves the era decision and the handler.
 */
export function webRequest(req: IncomingMessage, signal?: AbortSignal): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers.set(name, value);
    else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
  }
  return new Request(`http://localhost${req.url ?? '/mcp'}`, {
    method: req.method ?? 'GET',
    headers,
    ...(signal ? { signal } : {}),
  });
}

/**
 * Serves one request with a web handler and writes its Response; never throws. `follow`: the Request's
 * signal aborts when the response closes early. Only a reader of that signal needs it (the SDK reads it
 * for subscriptions/listen only): on Node 20 a followed signal is an AbortController plus undici's link
 * to it, about 25 µs a request. A call whose client hangs up is cancelled by closing its server instead.
 */
export async function serveWeb(
  handler: WebHandler,
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
  authInfo?: AuthInfo,
  follow = false,
): Promise<void> {
  let abort: AbortController | undefined;
  let finished = false;
  if (follow) {
    const controller = new AbortController();
    res.once('close', () => {
      if (!finished) controller.abort();
    });
    abort = controller;
  }
  let response: Response;
  try {
    response = await handler(webRequest(req, abort?.signal), {
      ...(body === undefined ? {} : { parsedBody: body }),
      ...(authInfo ? { authInfo } : {}),
    });
  } catch {
    response = Response.json(
      { jsonrpc: '2.0', error: { code: -32603, message: 'Internal server error' }, id: null },
      { status: 500 },
    );
  }
  try {
    await writeResponse(res, response, req.method === 'POST');
  } finally {
    finished = true;
  }
}

function headersOf(response: Response): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of response.headers) headers[name] = value;
  return headers;
}

async function writeResponse(res: ServerResponse, response: Response, post: boolean): Promise<void> {
  const headers = headersOf(response);
  if (!response.body) {
    res.writeHead(response.status, headers).end();
    return;
  }
  if (!headers['content-type']?.startsWith('text/event-stream')) {
    // A JSON answer: headers and body in one write, with its length.
    const text = Buffer.from(await response.arrayBuffer());
    res.writeHead(response.status, { ...headers, 'content-length': String(text.length) }).end(text);
    return;
  }
  res.writeHead(response.status, headers);
  await pipeEvents(res, response.body, post);
}

/**
 * SSE: chunks that arrive together are written together (corked until the next tick). A POST's
 * stream holds its headers and priming event until the first message or HOLD_MS, whichever is first.
 */
async function pipeEvents(
  res: ServerResponse,
  body: ReadableStream<Uint8Array>,
  post: boolean,
): Promise<void> {
  const reader = body.getReader();
  // The client went away before the stream ended: the SDK is told by the cancelled stream.
  let closed = false;
  const onClose = (): void => {
    closed = true;
    void reader.cancel().catch(() => undefined);
  };
  // Gone before the first chunk (its 'close' already fired): cancel now rather than wait for a chunk.
  if (res.destroyed) onClose();
  else res.once('close', onClose);
  let corked = false;
  const uncork = (): void => {
    corked = false;
    res.uncork();
  };
  const cork = (): void => {
    if (corked) return;
    corked = true;
    res.cork();
    process.nextTick(uncork);
  };
  let held: Uint8Array[] | undefined = post ? [] : undefined;
  let timer: NodeJS.Timeout | undefined;
  const release = (): void => {
    clearTimeout(timer);
    if (!held) return;
    const chunks = held;
    held = undefined;
    if (res.destroyed) return;
    cork();
    if (chunks.length === 0) res.flushHeaders();
    for (const chunk of chunks) res.write(chunk);
  };
  if (held) timer = setTimeout(release, HOLD_MS);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || closed) break;
      if (held) {
        held.push(value);
        if (!isPriming(value)) release();
        continue;
      }
      cork();
      if (!res.write(value)) await drained(res);
    }
  } catch {
    // The SDK cancelled or errored the stream: end what was sent.
  } finally {
    res.off('close', onClose);
    release();
    res.end();
  }
}

/** The SDK's priming event is an id with empty data (`id: 1\ndata: \n\n`); messages carry JSON. */
function isPriming(chunk: Uint8Array): boolean {
  return !Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).includes('data: {');
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}
