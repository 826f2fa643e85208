import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Document } from 'bson';
import { commandName, newServerState, runCommand, type ServerState } from './commands.js';
import { encodeReply, parseRequest, takeMessages } from './protocol.js';

/**
 * A MongoDB wire-protocol server for tests: in-process, loopback only, real BSON, and just the
 * commands the official driver (handshake, monitoring, sessions) and our adapters send (see
 * commands.ts). It is a standalone server ("Single" topology) without replication, transactions,
 * authentication, TLS, compression, aggregation, change streams or durability: writes are accepted
 * with any write concern and live in memory. Its purpose is to run the real driver and the real
 * adapters against a real protocol, not to emulate MongoDB.
 */

export interface CommandInfo {
  readonly name: string;
  readonly db: string;
  readonly command: Document;
}

/** Runs before a command executes; returning a promise holds the command until it settles. */
export type CommandHook = (info: CommandInfo) => void | Promise<void>;

export interface MongoWireServer {
  readonly url: string;
  /** Command names (lower case) received so far, with counts. */
  readonly received: Map<string, number>;
  setHook(hook: CommandHook | undefined): void;
  /** Documents of a collection as stored, for assertions. */
  documents(db: string, collection: string): Document[];
  /** Cuts every client connection, like a network failure. */
  dropConnections(): void;
  close(): Promise<void>;
}

export async function startMongoWireServer(): Promise<MongoWireServer> {
  const state: ServerState = newServerState();
  const received = new Map<string, number>();
  const sockets = new Set<Socket>();
  let hook: CommandHook | undefined;

  const server = createServer((socket) => {
    sockets.add(socket);
    const connectionId = state.nextConnectionId++;
    let pending: Buffer = Buffer.alloc(0);
    // Requests on one connection are answered in order, as a server does.
    let chain: Promise<void> = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      let messages: Buffer[];
      try {
        ({ messages, rest: pending } = takeMessages(Buffer.concat([pending, chunk])));
      } catch {
        socket.destroy();
        return;
      }
      for (const message of messages) {
        chain = chain
          .then(async () => {
            const request = parseRequest(message);
            const name = commandName(request.command);
            received.set(name, (received.get(name) ?? 0) + 1);
            await hook?.({ name, db: request.db, command: request.command });
            const reply = runCommand(state, request.db, request.command, connectionId);
            if (!request.noReply && !socket.destroyed) socket.write(encodeReply(request, reply));
          })
          .catch(() => {
            socket.destroy();
          });
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `mongodb://127.0.0.1:${port}`,
    received,
    setHook(next) {
      hook = next;
    },
    documents: (db, collection) => state.databases.get(db)?.get(collection)?.all() ?? [],
    dropConnections() {
      for (const s of sockets) s.destroy();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
