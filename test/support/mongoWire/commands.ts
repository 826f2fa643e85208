import { Long, type Document } from 'bson';
import { applyUpdate, Collection, DuplicateKeyError, seedFromFilter } from './collection.js';
import { CommandError, project, sortDocs, validateFilter } from './match.js';

/**
 * The commands the wire test server implements: exactly what the driver's handshake and
 * monitoring and our adapters send. Anything else answers CommandNotFound (59), like a server
 * that does not know it.
 */

export interface ServerState {
  readonly databases: Map<string, Map<string, Collection>>;
  readonly cursors: Map<number, { ns: string; docs: Document[] }>;
  nextCursorId: number;
  nextConnectionId: number;
}

export const newServerState = (): ServerState => ({
  databases: new Map(),
  cursors: new Map(),
  nextCursorId: 1,
  nextConnectionId: 1,
});

type Handler = (state: ServerState, db: string, cmd: Document, connectionId: number) => Document;

const DEFAULT_BATCH = 101;

function collection(state: ServerState, db: string, name: unknown, create = true): Collection | undefined {
  if (typeof name !== 'string' || name.length === 0)
    throw new CommandError(73, 'InvalidNamespace', 'collection name must be a string');
  let database = state.databases.get(db);
  if (!database && create) state.databases.set(db, (database = new Map()));
  let coll = database?.get(name);
  if (!coll && create && database) database.set(name, (coll = new Collection(`${db}.${name}`)));
  return coll;
}

function batch(
  state: ServerState,
  ns: string,
  docs: Document[],
  size: number,
  single: boolean,
): { id: Long; batch: Document[] } {
  const first = docs.slice(0, size);
  if (single || docs.length <= size) return { id: Long.fromNumber(0), batch: first };
  const id = state.nextCursorId++;
  state.cursors.set(id, { ns, docs: docs.slice(size) });
  return { id: Long.fromNumber(id), batch: first };
}

const writeError = (index: number, e: unknown): Document => {
  if (!(e instanceof CommandError)) throw e;
  const extra = e instanceof DuplicateKeyError ? { keyPattern: e.keyPattern, keyValue: e.keyValue } : {};
  return { index, code: e.code, codeName: e.codeName, errmsg: e.message, ...extra };
};

const hello: Handler = (_state, _db, _cmd, connectionId) => ({
  helloOk: true,
  ismaster: true,
  isWritablePrimary: true,
  maxBsonObjectSize: 16 * 1024 * 1024,
  maxMessageSizeBytes: 48_000_000,
  maxWriteBatchSize: 100_000,
  localTime: new Date(),
  logicalSessionTimeoutMinutes: 30,
  connectionId,
  minWireVersion: 0,
  maxWireVersion: 21,
  readOnly: false,
  ok: 1,
});

const HANDLERS: Record<string, Handler> = {
  hello,
  ismaster: hello,
  ping: () => ({ ok: 1 }),
  buildinfo: () => ({
    version: '7.0.0-wire-test',
    versionArray: [7, 0, 0, 0],
    maxBsonObjectSize: 16 * 1024 * 1024,
    ok: 1,
  }),
  endsessions: () => ({ ok: 1 }),
  killcursors(state, _db, cmd) {
    const ids = (cmd.cursors as unknown[]).map(Number);
    for (const id of ids) state.cursors.delete(id);
    return { cursorsKilled: ids, cursorsNotFound: [], cursorsAlive: [], cursorsUnknown: [], ok: 1 };
  },
  find(state, db, cmd) {
    validateFilter(cmd.filter as Document);
    const coll = collection(state, db, cmd.find, false);
    let docs = sortDocs(coll?.find(cmd.filter as Document) ?? [], cmd.sort as Document);
    if (cmd.skip) docs = docs.slice(Number(cmd.skip));
    if (cmd.limit) docs = docs.slice(0, Math.abs(Number(cmd.limit)));
    docs = docs.map((d) => project(d, cmd.projection as Document));
    const size = cmd.batchSize === undefined ? DEFAULT_BATCH : Number(cmd.batchSize) || DEFAULT_BATCH;
    const ns = `${db}.${String(cmd.find)}`;
    const { id, batch: firstBatch } = batch(
      state,
      ns,
      docs,
      size,
      Boolean(cmd.singleBatch) || Number(cmd.limit) < 0,
    );
    return { cursor: { id, ns, firstBatch }, ok: 1 };
  },
  getmore(state, _db, cmd) {
    const id = Number(cmd.getMore);
    const cursor = state.cursors.get(id);
    if (!cursor) throw new CommandError(43, 'CursorNotFound', `cursor id ${id} not found`);
    const size = Number(cmd.batchSize) || cursor.docs.length;
    const nextBatch = cursor.docs.splice(0, size);
    if (cursor.docs.length === 0) state.cursors.delete(id);
    return {
      cursor: { id: Long.fromNumber(cursor.docs.length === 0 ? 0 : id), ns: cursor.ns, nextBatch },
      ok: 1,
    };
  },
  insert(state, db, cmd) {
    const coll = collection(state, db, cmd.insert) as Collection;
    const writeErrors: Document[] = [];
    let n = 0;
    for (const [index, doc] of (cmd.documents as Document[]).entries()) {
      try {
        coll.insert(doc);
        n++;
      } catch (e) {
        writeErrors.push(writeError(index, e));
        if (cmd.ordered !== false) break;
      }
    }
    return { n, ...(writeErrors.length ? { writeErrors } : {}), ok: 1 };
  },
  update(state, db, cmd) {
    const coll = collection(state, db, cmd.update) as Collection;
    const writeErrors: Document[] = [];
    const upserted: Document[] = [];
    let n = 0;
    let nModified = 0;
    for (const [index, u] of (cmd.updates as Document[]).entries()) {
      try {
        const found = coll.find(u.q as Document);
        const targets = u.multi ? found : found.slice(0, 1);
        if (targets.length === 0 && u.upsert) {
          const doc = coll.insert(applyUpdate(seedFromFilter(u.q as Document), u.u as Document, true));
          upserted.push({ index, _id: doc._id });
          n++;
        }
        for (const target of targets) {
          coll.replace(target, applyUpdate(target, u.u as Document, false));
          n++;
          nModified++;
        }
      } catch (e) {
        writeErrors.push(writeError(index, e));
        if (cmd.ordered !== false) break;
      }
    }
    return {
      n,
      nModified,
      ...(upserted.length ? { upserted } : {}),
      ...(writeErrors.length ? { writeErrors } : {}),
      ok: 1,
    };
  },
  delete(state, db, cmd) {
    const coll = collection(state, db, cmd.delete, false);
    let n = 0;
    for (const d of cmd.deletes as Document[]) {
      const found = coll?.find(d.q as Document) ?? [];
      for (const doc of Number(d.limit) === 1 ? found.slice(0, 1) : found) {
        coll?.remove(doc);
        n++;
      }
    }
    return { n, ok: 1 };
  },
  findandmodify(state, db, cmd) {
    const coll = collection(state, db, cmd.findAndModify ?? cmd.findandmodify) as Collection;
    const [target] = sortDocs(coll.find(cmd.query as Document), cmd.sort as Document);
    const fields = cmd.fields as Document | undefined;
    if (cmd.remove) {
      if (target) coll.remove(target);
      return {
        lastErrorObject: { n: target ? 1 : 0 },
        value: target ? project(target, fields) : null,
        ok: 1,
      };
    }
    if (!target) {
      if (!cmd.upsert) return { lastErrorObject: { n: 0, updatedExisting: false }, value: null, ok: 1 };
      const doc = coll.insert(
        applyUpdate(seedFromFilter(cmd.query as Document), cmd.update as Document, true),
      );
      return {
        lastErrorObject: { n: 1, updatedExisting: false, upserted: doc._id },
        value: cmd.new ? project(doc, fields) : null,
        ok: 1,
      };
    }
    const updated = coll.replace(target, applyUpdate(target, cmd.update as Document, false));
    return {
      lastErrorObject: { n: 1, updatedExisting: true },
      value: project(cmd.new ? updated : target, fields),
      ok: 1,
    };
  },
  createindexes(state, db, cmd) {
    const coll = collection(state, db, cmd.createIndexes) as Collection;
    const before = coll.indexes.length;
    for (const spec of cmd.indexes as Document[]) {
      coll.createIndex({
        name: String(spec.name),
        key: spec.key as Document,
        unique: Boolean(spec.unique),
        ...(spec.partialFilterExpression
          ? { partialFilterExpression: spec.partialFilterExpression as Document }
          : {}),
      });
    }
    return {
      createdCollectionAutomatically: false,
      numIndexesBefore: before,
      numIndexesAfter: coll.indexes.length,
      ok: 1,
    };
  },
  listindexes(state, db, cmd) {
    const coll = collection(state, db, cmd.listIndexes, false);
    if (!coll)
      throw new CommandError(26, 'NamespaceNotFound', `ns does not exist: ${db}.${String(cmd.listIndexes)}`);
    const firstBatch = coll.indexes.map((i) => ({
      v: 2,
      key: i.key,
      name: i.name,
      ...(i.unique && i.name !== '_id_' ? { unique: true } : {}),
    }));
    return { cursor: { id: Long.fromNumber(0), ns: `${db}.${String(cmd.listIndexes)}`, firstBatch }, ok: 1 };
  },
  drop(state, db, cmd) {
    const existed = state.databases.get(db)?.delete(String(cmd.drop));
    if (!existed) throw new CommandError(26, 'NamespaceNotFound', 'ns not found');
    return { ok: 1 };
  },
  dropdatabase(state, db) {
    state.databases.delete(db);
    return { ok: 1 };
  },
};

export function commandName(cmd: Document): string {
  return (Object.keys(cmd)[0] ?? '').toLowerCase();
}

export function runCommand(state: ServerState, db: string, cmd: Document, connectionId: number): Document {
  const name = commandName(cmd);
  const handler = HANDLERS[name];
  try {
    if (!handler)
      throw new CommandError(
        59,
        'CommandNotFound',
        `no such command: '${Object.keys(cmd)[0] ?? ''}' (not implemented by the wire test server)`,
      );
    return handler(state, db, cmd, connectionId);
  } catch (e) {
    if (!(e instanceof CommandError)) throw e;
    return { ok: 0, errmsg: e.message, code: e.code, codeName: e.codeName };
  }
}
