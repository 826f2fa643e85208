import { expect } from 'chai';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveWeb, type WebHandler } from '../../../src/runtime/endpoint/nodeAdapter.js';

const PRIMING = 'id: 1\ndata: \n\n';
const MESSAGE = 'event: message\nid: 2\ndata: {"jsonrpc":"2.0","id":1,"result":{}}\n\n';

/** An HTTP server whose every request goes through serveWeb to `handler` with a fixed parsed body. */
async function serve(
  handler: WebHandler,
  body: unknown = { jsonrpc: '2.0', id: 1, method: 'ping' },
  follow = false,
) {
  const server: Server = createServer(
    (req, res) => void serveWeb(handler, req, res, body, undefined, follow),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  return { url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** An SSE body: the priming event at once, then the message when `release` is called. */
function sse(): { response: Response; release: () => void } {
  const encoder = new TextEncoder();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  controller.enqueue(encoder.encode(PRIMING));
  const response = new Response(stream, { headers: { 'content-type': 'text/event-stream' } });
  return {
    response,
    release: () => {
      controller.enqueue(encoder.encode(MESSAGE));
      controller.close();
    },
  };
}

describe('the /mcp Node adapter (serveWeb)', () => {
  it('hands the parsed body to the handler and answers JSON with its length in one response', async () => {
    let seen: unknown;
    const s = await serve(async (request, options) => {
      seen = { method: request.method, path: new URL(request.url).pathname, body: options.parsedBody };
      return Response.json({ ok: true }, { status: 200 });
    });
    try {
      const res = await fetch(s.url, { method: 'POST', body: '{}' });
      expect(res.headers.get('content-length')).to.equal('11');
      expect(await res.json()).to.deep.equal({ ok: true });
      expect(seen).to.deep.equal({
        method: 'POST',
        path: '/mcp',
        body: { jsonrpc: '2.0', id: 1, method: 'ping' },
      });
    } finally {
      await s.close();
    }
  });

  it('sends the priming event, then the message, of a POST stream whose answer comes quickly', async () => {
    const s = await serve(async () => {
      const { response, release } = sse();
      setImmediate(release);
      return response;
    });
    try {
      const res = await fetch(s.url, { method: 'POST', body: '{}' });
      expect(await res.text()).to.equal(PRIMING + MESSAGE);
    } finally {
      await s.close();
    }
  });

  it('still sends headers and the priming event of a slow call before its answer (resumability)', async () => {
    let release = (): void => undefined;
    const s = await serve(async () => {
      const stream = sse();
      release = stream.release;
      return stream.response;
    });
    try {
      const res = await fetch(s.url, { method: 'POST', body: '{}' });
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      const first = await reader.read();
      expect(new TextDecoder().decode(first.value)).to.equal(PRIMING);
      release();
      let rest = '';
      for (let r = await reader.read(); !r.done; r = await reader.read())
        rest += new TextDecoder().decode(r.value);
      expect(rest).to.equal(MESSAGE);
    } finally {
      await s.close();
    }
  });

  it("aborts the web request's signal when the client hangs up, where the request follows the response", async () => {
    let aborted: Promise<void> = Promise.resolve();
    const s = await serve(
      async (request) => {
        aborted = new Promise((resolve) => request.signal.addEventListener('abort', () => resolve()));
        return sse().response;
      },
      undefined,
      true,
    );
    try {
      await hangUpAfterFirstBytes(s.url);
      await aborted;
    } finally {
      await s.close();
    }
  });

  it('cancels the response stream when the client hangs up (how a session transport learns it)', async () => {
    const answer = cancellable(PRIMING);
    const s = await serve(async () => answer.response);
    try {
      await hangUpAfterFirstBytes(s.url);
      await answer.cancelled;
    } finally {
      await s.close();
    }
  });

  it('cancels the answer stream of a client that left before the answer began', async () => {
    const answer = cancellable();
    let arrived!: () => void;
    const hasArrived = new Promise<void>((resolve) => (arrived = resolve));
    const server = createServer((req, res) => {
      const gone = new Promise<void>((resolve) => res.once('close', () => resolve()));
      arrived();
      void serveWeb(
        async () => {
          await gone;
          return answer.response;
        },
        req,
        res,
        {},
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const req = httpRequest(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`, {
        method: 'POST',
      });
      req.on('error', () => undefined);
      req.end('{}');
      await hasArrived;
      req.destroy();
      await answer.cancelled;
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

/** POSTs, and closes the connection as soon as the first bytes of the answer arrive. */
function hangUpAfterFirstBytes(url: string): Promise<void> {
  return new Promise<void>((resolve) => {
    const req = httpRequest(url, { method: 'POST' }, (res) => {
      res.once('data', () => {
        req.destroy();
        resolve();
      });
    });
    req.end('{}');
  });
}

/** An SSE answer (with `first` sent at once, if given) that settles `cancelled` when its reader cancels it. */
function cancellable(first?: string): { response: Response; cancelled: Promise<void> } {
  let cancel!: () => void;
  const cancelled = new Promise<void>((resolve) => (cancel = resolve));
  const stream = new ReadableStream<Uint8Array>({
    start: (c) => {
      if (first !== undefined) c.enqueue(new TextEncoder().encode(first));
    },
    cancel: () => cancel(),
  });
  return { response: new Response(stream, { headers: { 'content-type': 'text/event-stream' } }), cancelled };
}
