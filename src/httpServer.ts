import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/** The port (or address) is taken: one clear line and a distinct exit code, not a stack trace. */
export class ListenError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'ListenError';
  }
}

/** Resolves once listening; a bind failure (EADDRINUSE, EACCES, EADDRNOTAVAIL) rejects with a ListenError. */
export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      const code = error.code ?? 'UNKNOWN';
      const why =
        code === 'EADDRINUSE'
          ? 'is already in use'
          : code === 'EACCES'
            ? 'needs privileges this process lacks'
            : `cannot be bound (${code})`;
      reject(new ListenError(`${host}:${port} ${why}; set PORT (or HOST) to another value`, code));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

export interface Draining {
  /** Requests whose response has not finished. */
  readonly inFlight: number;
  /**
   * Stops accepting connections, lets in-flight requests finish (their connections close after the
   * response; idle keep-alive connections close at once) and resolves when none is left or the
   * deadline passed; then closes whatever is still open. Resolves with the requests cut off.
   */
  drain(deadlineMs: number): Promise<number>;
}

/**
 * Counts in-flight requests of a Node HTTP server, for a graceful stop: a rolling restart must not
 * look like a crash to clients (requests reset mid-way, some of them already committed).
 */
export function trackRequests(server: Server): Draining {
  const open = new Set<ServerResponse>();
  let draining = false;
  let onIdle: (() => void) | undefined;
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    open.add(res);
    if (draining && !res.headersSent) res.setHeader('connection', 'close');
    res.once('close', () => {
      open.delete(res);
      if (open.size === 0) onIdle?.();
    });
  });
  return {
    get inFlight() {
      return open.size;
    },
    async drain(deadlineMs) {
      draining = true;
      // A response still to be written tells its client to reconnect elsewhere rather than reuse the socket.
      for (const res of open) if (!res.headersSent) res.setHeader('connection', 'close');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (open.size > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, deadlineMs);
          onIdle = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      const cut = open.size;
      server.closeAllConnections();
      await closed;
      return cut;
    },
  };
}
