import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import Koa from 'koa';
import { bodyParser } from '../../src/http/bodyParser.js';
import { errorMiddleware } from '../../src/http/errorMiddleware.js';
import { silentLogger } from '../../src/logger.js';

/** What the server did with one request, seen from inside: the answer and the listeners left on the request. */
export interface Outcome {
  readonly status: number;
  readonly body: Record<string, unknown>;
  /** data/end/error/aborted/close listeners still on the request once answered: the parser must leave none. */
  readonly listeners: number;
}

export interface Reply {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export interface Upload {
  readonly method?: string;
  readonly path?: string;
  readonly headers?: Record<string, string>;
  /** Sent with a content-length (unless headers say otherwise). */
  readonly body?: Buffer | string;
  /** Sent chunked, one write each; the request is left open when `open` is set. */
  readonly chunks?: ReadonlyArray<Buffer | string>;
  readonly open?: boolean;
}

/**
 * A Koa app with the gateway's error middleware and body parser in front of a handler that echoes what the
 * parser produced: `{ parsed, body }`. `/consumed` reads the request before the parser does, `/destroyed`
 * destroys it while the parser waits.
 * Requests carry an `x-probe` id so a test can wait for the server's side of a request whose client never sees
 * an answer.
 */
export interface BodyApp {
  readonly port: number;
  outcome(probe: string): Promise<Outcome>;
  /** Settles once the app has the request's headers (its body parser starts reading in the same tick). */
  arrived(probe: string): Promise<void>;
  /** Sends an upload; `response` settles with the answer, `request` is the client side (to abort it). */
  upload(probe: string, upload: Upload): { request: http.ClientRequest; response: Promise<Reply> };
  send(upload: Upload): Promise<Reply>;
  /** Writes raw bytes on a fresh socket; then ends the socket, destroys it, or waits for the server to close. */
  raw(probe: string, head: string, body: Buffer | string, then: 'end' | 'destroy' | 'wait'): Promise<string>;
  close(): Promise<void>;
}

const TRACKED = ['data', 'end', 'error', 'aborted', 'close'] as const;

/** Values by probe id, awaitable before they exist. */
function board<T>(): { set(probe: string, value: T): void; get(probe: string): Promise<T> } {
  const values = new Map<string, T>();
  const waiters = new Map<string, (value: T) => void>();
  return {
    set(probe, value) {
      values.set(probe, value);
      waiters.get(probe)?.(value);
    },
    get(probe) {
      if (values.has(probe)) return Promise.resolve(values.get(probe) as T);
      return new Promise((resolve) => waiters.set(probe, resolve));
    },
  };
}

export async function startBodyApp(limit: string | number): Promise<BodyApp> {
  const outcomes = board<Outcome>();
  const arrivals = board<undefined>();
  const app = new Koa();
  app.silent = true;
  app.use(async (ctx, next) => {
    const probe = ctx.get('x-probe');
    arrivals.set(probe, undefined);
    await next();
    const listeners = TRACKED.reduce((n, e) => n + ctx.req.listenerCount(e), 0);
    outcomes.set(probe, { status: ctx.status, body: ctx.body as Record<string, unknown>, listeners });
  });
  app.use(errorMiddleware(silentLogger()));
  app.use(async (ctx, next) => {
    if (ctx.path === '/consumed') for await (const chunk of ctx.req) void chunk;
    // Destroyed without an error: node then emits no 'error', only 'aborted' and 'close'.
    if (ctx.path === '/destroyed') setImmediate(() => ctx.req.destroy());
    await next();
  });
  app.use(bodyParser(limit));
  app.use((ctx) => {
    const body: unknown = ctx.request.body;
    ctx.body = { parsed: body !== undefined, body: body ?? null };
  });
  const server = http.createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  let sequence = 0;

  const upload: BodyApp['upload'] = (probe, u) => {
    const headers: Record<string, string> = { 'x-probe': probe, ...u.headers };
    if (u.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length'))
      headers['content-length'] = String(Buffer.byteLength(u.body));
    const request = http.request({
      host: '127.0.0.1',
      port,
      method: u.method ?? 'POST',
      path: u.path ?? '/',
      headers,
      agent: false,
    });
    const response = new Promise<Reply>((resolve, reject) => {
      request.on('error', reject);
      request.on('response', (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(parts).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> });
        });
      });
    });
    if (u.body !== undefined) request.write(u.body);
    for (const chunk of u.chunks ?? []) request.write(chunk);
    if (!u.open) request.end();
    else if (u.body === undefined && !u.chunks?.length) request.flushHeaders();
    return { request, response };
  };

  return {
    port,
    outcome: (probe) => outcomes.get(probe),
    arrived: (probe) => arrivals.get(probe),
    upload,
    send: (u) => upload(`send-${++sequence}`, u).response,
    raw: (probe, head, body, then) =>
      new Promise((resolve) => {
        const socket = net.connect(port, '127.0.0.1');
        let answer = '';
        socket.on('data', (d: Buffer) => (answer += d.toString('utf8')));
        socket.on('error', () => undefined);
        socket.on('close', () => resolve(answer));
        socket.write(`${head.replace('\n', `\r\nx-probe: ${probe}\n`).replace(/\r?\n/g, '\r\n')}\r\n\r\n`);
        socket.write(body, () => {
          if (then === 'end') socket.end();
          if (then === 'destroy') socket.destroy();
        });
      }),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The app for one describe block: started before its tests, closed after them. The returned object delegates
 * to it, so tests keep writing `app.send(...)`.
 */
export function useBodyApp(limit: string): BodyApp {
  let app: BodyApp | undefined;
  before(async () => {
    app = await startBodyApp(limit);
  });
  after(async () => {
    await app?.close();
  });
  const live = (): BodyApp => {
    if (!app) throw new Error('the body app is not running (outside the describe block that uses it)');
    return app;
  };
  return {
    get port() {
      return live().port;
    },
    outcome: (probe) => live().outcome(probe),
    arrived: (probe) => live().arrived(probe),
    upload: (probe, upload) => live().upload(probe, upload),
    send: (upload) => live().send(upload),
    raw: (probe, head, body, then) => live().raw(probe, head, body, then),
    close: () => live().close(),
  };
}
