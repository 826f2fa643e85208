import type { JsonObject, JsonValue } from '../../core/types.js';
import { isExposableServer, SEPARATOR } from '../toolCatalog.js';

/**
 * How one endpoint names what its servers offer. /mcp (many servers): tools and prompts are
 * `<server>__<name>`, resource URIs are wrapped reversibly as `mcp-api://<server>/<original URI>`
 * (the original verbatim after the first `/`; server names never contain `/`), except `ui://`
 * (MCP Apps) URIs, which keep their scheme: `ui://<host>/<path>` becomes `ui://<server>__<host>/<path>`.
 * The per-server endpoint (one server): everything keeps its original name.
 */
export interface Naming {
  /** The per-server endpoint's one server; undefined on /mcp. */
  readonly single?: string | undefined;
  name(server: string, original: string): string;
  parseName(exposed: string): { server: string; name: string } | undefined;
  uri(server: string, original: string): string;
  parseUri(exposed: string): { server: string; uri: string } | undefined;
}

export const GATEWAY_SCHEME = 'mcp-api://';
const UI_SCHEME = 'ui://';

export const gatewayNaming: Naming = {
  name: (server, original) => `${server}${SEPARATOR}${original}`,
  parseName(exposed) {
    const at = exposed.indexOf(SEPARATOR);
    if (at <= 0 || at + SEPARATOR.length >= exposed.length) return undefined;
    return { server: exposed.slice(0, at), name: exposed.slice(at + SEPARATOR.length) };
  },
  uri(server, original) {
    if (original.startsWith(UI_SCHEME))
      return `${UI_SCHEME}${server}${SEPARATOR}${original.slice(UI_SCHEME.length)}`;
    return `${GATEWAY_SCHEME}${server}/${original}`;
  },
  parseUri(exposed) {
    if (exposed.startsWith(UI_SCHEME)) {
      const rest = exposed.slice(UI_SCHEME.length);
      const at = rest.indexOf(SEPARATOR);
      if (at <= 0) return undefined;
      return { server: rest.slice(0, at), uri: UI_SCHEME + rest.slice(at + SEPARATOR.length) };
    }
    if (!exposed.startsWith(GATEWAY_SCHEME)) return undefined;
    const rest = exposed.slice(GATEWAY_SCHEME.length);
    const slash = rest.indexOf('/');
    if (slash <= 0 || slash === rest.length - 1) return undefined;
    const server = rest.slice(0, slash);
    return isExposableServer(server) ? { server, uri: rest.slice(slash + 1) } : undefined;
  },
};

export function serverNaming(server: string): Naming {
  return {
    single: server,
    name: (_server, original) => original,
    parseName: (exposed) => ({ server, name: exposed }),
    uri: (_server, original) => original,
    parseUri: (exposed) => ({ server, uri: exposed }),
  };
}

const isObject = (v: JsonValue | undefined): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** One content block (tool result, prompt message): resource links and embedded resources renamed. */
function rewriteBlock(block: JsonValue, rename: (uri: string) => string): JsonValue {
  if (!isObject(block)) return block;
  if (block.type === 'resource_link' && typeof block.uri === 'string')
    return { ...block, uri: rename(block.uri) };
  const resource = block.resource;
  if (block.type === 'resource' && isObject(resource) && typeof resource.uri === 'string')
    return { ...block, resource: { ...resource, uri: rename(resource.uri) } };
  return block;
}

/**
 * A result with every URI a client might read back renamed: tool results' `content`, prompt
 * messages' `content`, resources/read `contents`. Everything else passes through untouched.
 */
export function renameUris<T extends JsonObject>(result: T, server: string, naming: Naming): T {
  if (naming.single !== undefined) return result;
  const rename = (uri: string): string => naming.uri(server, uri);
  const out: JsonObject = { ...result };
  if (Array.isArray(out.content)) out.content = out.content.map((b) => rewriteBlock(b, rename));
  if (Array.isArray(out.contents))
    out.contents = out.contents.map((c) =>
      isObject(c) && typeof c.uri === 'string' ? { ...c, uri: rename(c.uri) } : c,
    );
  if (Array.isArray(out.messages))
    out.messages = out.messages.map((m) =>
      isObject(m) && m.content !== undefined ? { ...m, content: rewriteBlock(m.content, rename) } : m,
    );
  return out as T;
}

/** MCP Apps: a tool names its UI resource in `_meta.ui.resourceUri` (older drafts: `_meta["ui/resourceUri"]`). */
export function renameToolUi<T extends Record<string, unknown>>(tool: T, server: string, naming: Naming): T {
  const meta = tool._meta as JsonObject | undefined;
  if (naming.single !== undefined || !isObject(meta)) return tool;
  const next: JsonObject = { ...meta };
  const ui = meta.ui;
  if (isObject(ui) && typeof ui.resourceUri === 'string')
    next.ui = { ...ui, resourceUri: naming.uri(server, ui.resourceUri) };
  const flat = meta['ui/resourceUri'];
  if (typeof flat === 'string') next['ui/resourceUri'] = naming.uri(server, flat);
  return { ...tool, _meta: next };
}
