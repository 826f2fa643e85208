import type { ToolResult } from '../runtime/core/types.js';

/**
 * Reading what an auth_* tool returned. The reference implementation expected a bare string and
 * so never worked: a tool returns a CallToolResult, whose answer is in structuredContent or in
 * text content (a URL, or JSON).
 */
const URL_KEYS = ['authorizationUrl', 'authorization_url', 'authUrl', 'auth_url', 'url'];

function texts(result: ToolResult): string[] {
  const content = Array.isArray(result.content) ? (result.content as unknown[]) : [];
  return content
    .filter(
      (c): c is { type: 'text'; text: string } =>
        !!c &&
        typeof c === 'object' &&
        (c as { type?: unknown }).type === 'text' &&
        typeof (c as { text?: unknown }).text === 'string',
    )
    .map((c) => c.text.trim());
}

const asObject = (value: unknown): Record<string, unknown> | undefined =>
  value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    return asObject(JSON.parse(text));
  } catch {
    return undefined;
  }
}

/** The authorization URL in a tool result, as text; undefined if there is none. */
export function authorizationUrlIn(result: ToolResult): string | undefined {
  const candidates: unknown[] = [];
  const structured = asObject(result.structuredContent);
  if (structured) candidates.push(...URL_KEYS.map((k) => structured[k]));
  for (const text of texts(result)) {
    const json = parseObject(text);
    if (json) candidates.push(...URL_KEYS.map((k) => json[k]));
    else candidates.push(/https?:\/\/[^\s"'<>]+/.exec(text)?.[0]);
  }
  return candidates.find((c): c is string => typeof c === 'string' && c.length > 0);
}

/** The token JSON object in a tool result (structuredContent, or the first text that is a JSON object). */
export function tokenObjectIn(result: ToolResult): Record<string, unknown> | undefined {
  const structured = asObject(result.structuredContent);
  if (structured) return structured;
  for (const text of texts(result)) {
    const json = parseObject(text);
    if (json) return json;
  }
  return undefined;
}

/** https anywhere; plain http only to a loopback host (a local test or development server). */
export function isAcceptableRedirect(raw: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  const loopback =
    url.hostname === 'localhost' || url.hostname === '[::1]' || url.hostname.startsWith('127.');
  if (url.protocol === 'https:' || (url.protocol === 'http:' && loopback)) return url;
  return undefined;
}
