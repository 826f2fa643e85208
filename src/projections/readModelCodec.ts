/**
 * JSON for read models, which are nested Maps of plain data. A Map becomes `{"$map": [[k, v], ...]}`;
 * an object key that starts with `$` gets one more `$` so no stored key can pose as the marker.
 * Generic on purpose: a read model added later is snapshotted without touching this file.
 */
export function encodeReadModels(value: unknown): string {
  return JSON.stringify(toJson(value));
}

export function decodeReadModels(text: string): unknown {
  return fromJson(JSON.parse(text) as unknown);
}

function toJson(value: unknown): unknown {
  if (value instanceof Map) return { $map: [...value.entries()].map(([k, v]) => [toJson(k), toJson(v)]) };
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value))
      if (v !== undefined) out[k.startsWith('$') ? `$${k}` : k] = toJson(v);
    return out;
  }
  return value;
}

function fromJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromJson);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 1 && entries[0]?.[0] === '$map' && Array.isArray(entries[0][1])) {
      return new Map(
        (entries[0][1] as Array<[unknown, unknown]>).map(([k, v]) => [fromJson(k), fromJson(v)]),
      );
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of entries) out[k.startsWith('$$') ? k.slice(1) : k] = fromJson(v);
    return out;
  }
  return value;
}
