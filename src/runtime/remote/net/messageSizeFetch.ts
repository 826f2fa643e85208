import type { FetchLike } from '@modelcontextprotocol/client';
import { readEdgeId, tooLargeAnswer, type RequestId } from '../../core/oversized.js';
import { SseEventLimiter, type SkippedEvent } from './sseEventLimiter.js';

export interface MessageSizeOptions {
  /** Largest message (JSON body or SSE event) taken from the server. */
  readonly limit: number;
  /** An oversized message could not be tied to a request and was dropped. */
  readonly onDropped?: (size: number) => void;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Bounds every message a remote server sends, on every transport: a JSON response body, each event
 * of a POST's SSE stream, each event of the standalone (GET) or legacy SSE stream. Nothing over the
 * limit is held in memory: it is counted to its end, then stands in as a `result_too_large` error for
 * the request it answers (the POST's own request; on a shared stream, the id read from its edges).
 * The connection stays up, so the call fails alone and nothing counts as a crash.
 */
export function limitMessageSize(base: FetchLike, options: MessageSizeOptions): FetchLike {
  const { limit } = options;
  return async (input, init) => {
    const response = await base(input, init);
    if (!response.body) return response;
    const requestId = (): RequestId | undefined =>
      init?.method === 'POST' && typeof init.body === 'string' ? firstRequestId(init.body) : undefined;
    const type = mediaType(response.headers.get('content-type'));
    if (response.ok && type === 'text/event-stream') {
      const onSkipped = (event: SkippedEvent): { replacement?: Uint8Array; end: boolean } => {
        // A POST's stream belongs to its request: whatever overflowed, that call is over.
        const own = requestId();
        const id = own ?? readEdgeId(eventData(event.head), decoder.decode(event.tail));
        if (id === undefined) {
          options.onDropped?.(event.size);
          return { end: false };
        }
        const answer = `event: message\ndata: ${JSON.stringify(tooLargeAnswer(id, event.size, limit))}\n\n`;
        return { replacement: encoder.encode(answer), end: own !== undefined };
      };
      return withBody(response, limitEvents(response.body, limit, onSkipped));
    }
    if (response.ok && type === 'application/json') return limitJson(response, limit, requestId);
    // Error bodies and unexpected types are read as text for a message: never more than the limit.
    return withBody(response, truncate(response.body, limit));
  };
}

async function limitJson(
  response: Response,
  limit: number,
  requestId: () => RequestId | undefined,
): Promise<Response> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const chunk = await reader.read();
    if (chunk.done) break;
    size += chunk.value.length;
    // Over the limit: stop holding, keep counting to the end to name the size.
    if (size <= limit) parts.push(chunk.value);
    else parts.length = 0;
  }
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  const init = { status: response.status, statusText: response.statusText, headers };
  if (size <= limit) return new Response(Buffer.concat(parts), init);
  const id = requestId();
  // No request in the POST (a notification or a response): nobody reads the body.
  return new Response(id === undefined ? '' : JSON.stringify(tooLargeAnswer(id, size, limit)), init);
}

function limitEvents(
  body: ReadableStream<Uint8Array>,
  limit: number,
  onSkipped: (event: SkippedEvent) => { replacement?: Uint8Array; end: boolean },
): ReadableStream<Uint8Array> {
  let limiter: SseEventLimiter | undefined;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      start(controller) {
        limiter = new SseEventLimiter(limit, (bytes) => controller.enqueue(bytes), onSkipped);
      },
      transform(chunk, controller) {
        limiter?.push(chunk);
        // The request was answered by the stand-in: the rest of its stream is not wanted.
        if (limiter && !limiter.open) controller.terminate();
      },
      flush() {
        limiter?.flush();
      },
    }),
  );
}

function truncate(body: ReadableStream<Uint8Array>, limit: number): ReadableStream<Uint8Array> {
  let left = limit;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        controller.enqueue(chunk.subarray(0, left));
        left -= Math.min(left, chunk.length);
        if (left === 0) controller.terminate();
      },
    }),
  );
}

function withBody(response: Response, body: ReadableStream<Uint8Array>): Response {
  return new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

function mediaType(contentType: string | null): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** The id of the (first) request in a POST body: the request its response stream answers. */
function firstRequestId(body: string): RequestId | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  for (const message of Array.isArray(parsed) ? parsed : [parsed]) {
    if (typeof message !== 'object' || message === null || !('method' in message)) continue;
    const id = (message as { id?: unknown }).id;
    if (typeof id === 'string' || typeof id === 'number') return id;
  }
  return undefined;
}

/** The start of an event's data (after its `event:`/`id:` fields), where an answer's id may stand. */
function eventData(head: Uint8Array): string {
  const text = decoder.decode(head);
  const at = text.search(/^data:/m);
  return at === -1 ? '' : text.slice(at + 5).replace(/^ /, '');
}
