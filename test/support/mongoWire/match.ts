import { ObjectId, type Document } from 'bson';

/**
 * The query language subset of the wire test server: equality (including dotted paths and "array
 * contains"), $eq $ne $gt $gte $lt $lte $in $nin $exists, $and $or. Anything else is refused with
 * a BadValue error, so an adapter that starts using an unsupported operator fails loudly in tests
 * instead of silently matching wrong.
 */

export class CommandError extends Error {
  constructor(
    readonly code: number,
    readonly codeName: string,
    message: string,
  ) {
    super(message);
  }
}

const badValue = (message: string): CommandError => new CommandError(2, 'BadValue', message);

export function getPath(doc: unknown, path: string): unknown {
  let value: unknown = doc;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** BSON comparison order, for the types this server stores. */
function typeRank(v: unknown): number {
  if (v === undefined || v === null) return 1;
  if (typeof v === 'number' || typeof v === 'bigint') return 2;
  if (typeof v === 'string') return 3;
  if (v instanceof ObjectId) return 7;
  if (typeof v === 'boolean') return 8;
  if (v instanceof Date) return 9;
  if (Array.isArray(v)) return 5;
  return 4;
}

export function compareValues(a: unknown, b: unknown): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 1) return 0;
  if (ra === 2) return Number(a) - Number(b);
  if (ra === 3) return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
  if (ra === 7) return (a as ObjectId).toHexString().localeCompare((b as ObjectId).toHexString());
  if (ra === 8) return Number(a) - Number(b);
  if (ra === 9) return (a as Date).getTime() - (b as Date).getTime();
  const ja = JSON.stringify(a);
  const jb = JSON.stringify(b);
  return ja < jb ? -1 : ja > jb ? 1 : 0;
}

export const valuesEqual = (a: unknown, b: unknown): boolean =>
  typeRank(a) === typeRank(b) && compareValues(a, b) === 0;

function isOperatorObject(v: unknown): v is Record<string, unknown> {
  return (
    v !== null &&
    typeof v === 'object' &&
    !Array.isArray(v) &&
    !(v instanceof ObjectId) &&
    !(v instanceof Date) &&
    Object.keys(v).length > 0 &&
    Object.keys(v).every((k) => k.startsWith('$'))
  );
}

/** A field value matches an operand if it equals it, or is an array with an element that does. */
function fieldMatches(value: unknown, test: (v: unknown) => boolean): boolean {
  if (test(value)) return true;
  return Array.isArray(value) && value.some(test);
}

function matchOperators(value: unknown, ops: Record<string, unknown>): boolean {
  for (const [op, operand] of Object.entries(ops)) {
    const ok = (() => {
      switch (op) {
        case '$eq':
          return fieldMatches(value, (v) => valuesEqual(v ?? null, operand));
        case '$ne':
          return !fieldMatches(value, (v) => valuesEqual(v ?? null, operand));
        case '$gt':
          return fieldMatches(
            value,
            (v) => typeRank(v) === typeRank(operand) && compareValues(v, operand) > 0,
          );
        case '$gte':
          return fieldMatches(
            value,
            (v) => typeRank(v) === typeRank(operand) && compareValues(v, operand) >= 0,
          );
        case '$lt':
          return fieldMatches(
            value,
            (v) => typeRank(v) === typeRank(operand) && compareValues(v, operand) < 0,
          );
        case '$lte':
          return fieldMatches(
            value,
            (v) => typeRank(v) === typeRank(operand) && compareValues(v, operand) <= 0,
          );
        case '$in':
          if (!Array.isArray(operand)) throw badValue('$in needs an array');
          return operand.some((o) => fieldMatches(value, (v) => valuesEqual(v ?? null, o)));
        case '$nin':
          if (!Array.isArray(operand)) throw badValue('$nin needs an array');
          return !operand.some((o) => fieldMatches(value, (v) => valuesEqual(v ?? null, o)));
        case '$exists':
          return (value !== undefined) === Boolean(operand);
        default:
          throw badValue(`unknown operator: ${op} (not implemented by the wire test server)`);
      }
    })();
    if (!ok) return false;
  }
  return true;
}

const FIELD_OPERATORS = new Set(['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$exists']);

/** Refuses unsupported operators up front, as a server parses a query before it runs it. */
export function validateFilter(filter: Document | undefined): void {
  for (const [key, condition] of Object.entries(filter ?? {})) {
    if (key === '$and' || key === '$or') {
      if (!Array.isArray(condition)) throw badValue(`${key} needs an array`);
      for (const c of condition) validateFilter(c as Document);
    } else if (key.startsWith('$')) {
      throw badValue(`unknown top level operator: ${key} (not implemented by the wire test server)`);
    } else if (isOperatorObject(condition)) {
      for (const op of Object.keys(condition)) {
        if (!FIELD_OPERATORS.has(op))
          throw badValue(`unknown operator: ${op} (not implemented by the wire test server)`);
      }
    }
  }
}

export function matches(doc: Document, filter: Document | undefined): boolean {
  if (!filter) return true;
  for (const [key, condition] of Object.entries(filter)) {
    if (key === '$and' || key === '$or') {
      if (!Array.isArray(condition)) throw badValue(`${key} needs an array`);
      const results = condition.map((c) => matches(doc, c as Document));
      if (key === '$and' ? !results.every(Boolean) : !results.some(Boolean)) return false;
      continue;
    }
    if (key.startsWith('$'))
      throw badValue(`unknown top level operator: ${key} (not implemented by the wire test server)`);
    const value = getPath(doc, key);
    if (isOperatorObject(condition)) {
      if (!matchOperators(value, condition)) return false;
    } else if (!fieldMatches(value, (v) => valuesEqual(v ?? null, condition))) {
      return false;
    }
  }
  return true;
}

export function sortDocs(docs: Document[], sort: Document | undefined): Document[] {
  if (!sort || Object.keys(sort).length === 0) return docs;
  const keys = Object.entries(sort).map(([k, dir]) => {
    if (dir !== 1 && dir !== -1) throw badValue(`sort direction must be 1 or -1 for ${k}`);
    return [k, dir] as const;
  });
  return docs.sort((a, b) => {
    for (const [k, dir] of keys) {
      const c = compareValues(getPath(a, k), getPath(b, k));
      if (c !== 0) return c * dir;
    }
    return 0;
  });
}

/** Top-level inclusion or exclusion projections; `_id` is included unless excluded. */
export function project(doc: Document, projection: Document | undefined): Document {
  if (!projection || Object.keys(projection).length === 0) return doc;
  const entries = Object.entries(projection);
  const including = entries.some(([k, v]) => k !== '_id' && Boolean(v));
  if (including) {
    const out: Document = {};
    if (projection._id !== 0 && projection._id !== false && '_id' in doc) out._id = doc._id;
    for (const [k, v] of entries) if (v && k !== '_id' && k in doc) out[k] = doc[k];
    return out;
  }
  const out: Document = { ...doc };
  for (const [k] of entries) delete out[k];
  return out;
}
