import type { McpSessionOpenedData } from '../../events/mcpSessionEvents.js';
import type { McpSessionRecord } from '../../projections/mcpSessionsProjection.js';
import type { McpAccess } from './access.js';
import type { ToolFilter } from './toolCatalog.js';

/** The part of a (schema-checked) `initialize` request a session record keeps. */
interface InitializeParams {
  readonly protocolVersion: string;
  readonly capabilities?: Record<string, unknown>;
  readonly clientInfo: { readonly name: string; readonly version: string };
}

const MAX_CAPABILITIES_JSON = 8192;

const fromSet = (s: ReadonlySet<string> | undefined): string[] | undefined => (s ? [...s].sort() : undefined);

/**
 * What is recorded when `initialize` opens a legacy session: who (the access decision), what they
 * may see (the filter), and the handshake as the client sent it, so a rebuild can replay it. An
 * oversized capabilities object is recorded empty rather than bloating the log.
 */
export function openedRecord(sessionKey: string, access: McpAccess, body: unknown): McpSessionOpenedData {
  const params = (body as { params: InitializeParams }).params;
  const capabilities = params.capabilities ?? {};
  return {
    sessionKey,
    subject: access.principal.subject,
    username: access.principal.username,
    protocolVersion: params.protocolVersion,
    clientInfo: { name: params.clientInfo.name, version: params.clientInfo.version },
    clientCapabilities: JSON.stringify(capabilities).length <= MAX_CAPABILITIES_JSON ? capabilities : {},
    filter: {
      servers: fromSet(access.filter.servers),
      tools: fromSet(access.filter.tools),
      ...(access.filter.single === undefined ? {} : { single: access.filter.single }),
    },
  };
}

export const recordedFilter = (record: McpSessionRecord): ToolFilter => ({
  servers: record.filter.servers ? new Set(record.filter.servers) : undefined,
  tools: record.filter.tools ? new Set(record.filter.tools) : undefined,
  single: record.filter.single,
});
