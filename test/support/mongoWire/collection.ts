import { deserialize, ObjectId, serialize, type Document } from 'bson';
import { CommandError, getPath, matches, valuesEqual } from './match.js';

/** One collection of the wire test server: documents in insertion order plus (unique) indexes. */

export interface IndexSpec {
  readonly name: string;
  readonly key: Document;
  readonly unique: boolean;
  readonly partialFilterExpression?: Document;
}

/** Documents go through real BSON on the way in, so what is stored is what a server would store. */
const clone = (doc: Document): Document =>
  deserialize(serialize(doc), { promoteLongs: true, promoteValues: true });

const idKey = (id: unknown): string =>
  id instanceof ObjectId ? `oid:${id.toHexString()}` : `${typeof id}:${JSON.stringify(id)}`;

export class DuplicateKeyError extends CommandError {
  constructor(
    ns: string,
    index: IndexSpec,
    readonly keyValue: Document,
  ) {
    super(
      11000,
      'DuplicateKey',
      `E11000 duplicate key error collection: ${ns} index: ${index.name} dup key: ${JSON.stringify(keyValue)}`,
    );
    this.keyPattern = index.key;
  }
  readonly keyPattern: Document;
}

export class Collection {
  private readonly docs = new Map<string, Document>();
  readonly indexes: IndexSpec[] = [{ name: '_id_', key: { _id: 1 }, unique: true }];

  constructor(readonly ns: string) {}

  all(): Document[] {
    return [...this.docs.values()];
  }

  find(filter: Document | undefined): Document[] {
    return this.all().filter((d) => matches(d, filter));
  }

  /** Adds an index; an identical existing one is a no-op, a conflicting one of the same name an error. */
  createIndex(spec: IndexSpec): boolean {
    const existing = this.indexes.find((i) => i.name === spec.name);
    if (existing) {
      if (JSON.stringify(existing.key) !== JSON.stringify(spec.key) || existing.unique !== spec.unique) {
        throw new CommandError(
          86,
          'IndexKeySpecsConflict',
          `An existing index has the same name as the requested index: ${spec.name}`,
        );
      }
      return false;
    }
    if (spec.unique) for (const doc of this.docs.values()) this.checkUnique(doc, undefined, [spec]);
    this.indexes.push(spec);
    return true;
  }

  insert(input: Document): Document {
    const doc = clone('_id' in input ? input : { _id: new ObjectId(), ...input });
    const key = idKey(doc._id);
    this.checkUnique(doc, undefined);
    this.docs.set(key, doc);
    return doc;
  }

  replace(old: Document, next: Document): Document {
    const doc = clone({ ...next, _id: old._id });
    this.checkUnique(doc, idKey(old._id));
    this.docs.set(idKey(old._id), doc);
    return doc;
  }

  remove(doc: Document): void {
    this.docs.delete(idKey(doc._id));
  }

  private checkUnique(
    doc: Document,
    selfKey: string | undefined,
    indexes: readonly IndexSpec[] = this.indexes,
  ): void {
    for (const index of indexes) {
      if (!index.unique || !inIndex(doc, index)) continue;
      const fields = Object.keys(index.key);
      for (const [key, other] of this.docs) {
        if (key === selfKey || !inIndex(other, index)) continue;
        if (fields.every((f) => valuesEqual(getPath(doc, f) ?? null, getPath(other, f) ?? null))) {
          throw new DuplicateKeyError(
            this.ns,
            index,
            Object.fromEntries(fields.map((f) => [f, getPath(doc, f) ?? null])),
          );
        }
      }
    }
  }
}

const inIndex = (doc: Document, index: IndexSpec): boolean => matches(doc, index.partialFilterExpression);

/** Applies an update document ($set $unset $inc $setOnInsert) or a replacement to a copy of `doc`. */
export function applyUpdate(doc: Document, update: Document, inserting: boolean): Document {
  const keys = Object.keys(update);
  if (Array.isArray(update))
    throw new CommandError(2, 'BadValue', 'pipeline updates are not implemented by the wire test server');
  if (!keys.some((k) => k.startsWith('$'))) return { _id: doc._id, ...update };
  if (!keys.every((k) => k.startsWith('$')))
    throw new CommandError(9, 'FailedToParse', 'mixed update operators and fields');
  const out = clone(doc);
  for (const [op, fields] of Object.entries(update)) {
    for (const [path, value] of Object.entries(fields as Document)) {
      switch (op) {
        case '$set':
          setPath(out, path, value);
          break;
        case '$setOnInsert':
          if (inserting) setPath(out, path, value);
          break;
        case '$unset':
          unsetPath(out, path);
          break;
        case '$inc':
          setPath(out, path, (Number(getPath(out, path) ?? 0) as number) + Number(value));
          break;
        default:
          throw new CommandError(
            9,
            'FailedToParse',
            `unknown update operator ${op} (not implemented by the wire test server)`,
          );
      }
    }
  }
  return out;
}

function setPath(doc: Document, path: string, value: unknown): void {
  const parts = path.split('.');
  let target: Document = doc;
  for (const part of parts.slice(0, -1)) {
    if (target[part] === null || typeof target[part] !== 'object') target[part] = {};
    target = target[part] as Document;
  }
  target[parts.at(-1) as string] = value;
}

function unsetPath(doc: Document, path: string): void {
  const parts = path.split('.');
  const parent = parts.length === 1 ? doc : getPath(doc, parts.slice(0, -1).join('.'));
  if (parent && typeof parent === 'object') delete (parent as Document)[parts.at(-1) as string];
}

/** The document an upsert starts from: the filter's equality conditions. */
export function seedFromFilter(filter: Document | undefined): Document {
  const seed: Document = {};
  for (const [k, v] of Object.entries(filter ?? {})) {
    if (k.startsWith('$')) continue;
    if (
      v !== null &&
      typeof v === 'object' &&
      !Array.isArray(v) &&
      !(v instanceof ObjectId) &&
      !(v instanceof Date)
    ) {
      const ops = Object.keys(v as Document);
      if (ops.every((o) => o.startsWith('$'))) {
        if ('$eq' in (v as Document)) setPath(seed, k, (v as Document).$eq);
        continue;
      }
    }
    setPath(seed, k, v);
  }
  return seed;
}
