import { createHash } from 'node:crypto';
import type { ToolDefinition, ToolVersion } from './toolPinEvents.js';

/** The fields of a tool that pinning covers, from whatever the upstream sent (extra fields ignored). */
export function toolDefinition(tool: Record<string, unknown>): ToolDefinition {
  const record = (v: unknown): Record<string, unknown> | undefined =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const def: ToolDefinition = { name: String(tool.name), inputSchema: record(tool.inputSchema) ?? {} };
  const title = text(tool.title);
  const description = text(tool.description);
  const outputSchema = record(tool.outputSchema);
  const annotations = record(tool.annotations);
  if (title !== undefined) def.title = title;
  if (description !== undefined) def.description = description;
  if (outputSchema) def.outputSchema = outputSchema;
  if (annotations) def.annotations = annotations;
  return def;
}

/** JSON with object keys sorted at every depth: the same definition always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function toolVersion(tool: Record<string, unknown>): ToolVersion {
  const definition = toolDefinition(tool);
  return { hash: createHash('sha256').update(canonicalJson(definition)).digest('hex'), definition };
}
