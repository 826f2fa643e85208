import { randomUUID } from 'node:crypto';
import {
  ProtocolError,
  ProtocolErrorCode,
  type LoggingLevel,
  type Server,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { CAPABILITY_OF, type ClientRelay, type JsonRecord, type RelayedMethod } from './clientRelay.js';

const LEVELS: readonly LoggingLevel[] = [
  'debug',
  'info',
  'notice',
  'warning',
  'error',
  'critical',
  'alert',
  'emergency',
];
const CAPABILITIES_KEY = 'io.modelcontextprotocol/clientCapabilities';

/**
 * The calling client of one /mcp tools/call, as the upstream side sees it. A legacy session takes
 * server→client requests on the call's own response stream; a 2026-07-28 request takes
 * `input_required` results instead (see relayedCall and parkedCalls). Log messages go through the
 * SDK's own filter: the session's logging/setLevel, or the request's per-request log level.
 */
export function sessionRelay(server: Server, ctx: ServerContext, username: string): ClientRelay {
  const envelope = ctx.mcpReq.envelope as JsonRecord | undefined;
  const modern = envelope !== undefined;
  const declared = (modern ? envelope[CAPABILITIES_KEY] : undefined) ?? server.getClientCapabilities() ?? {};
  const capabilities = declared as JsonRecord;
  // A stateless legacy POST has no session: that request alone is the client.
  const scope = modern || !ctx.sessionId ? `request ${randomUUID()}` : `session ${ctx.sessionId}`;
  const inputResponses = ctx.mcpReq.inputResponses;
  const requestState = ctx.mcpReq.requestState<unknown>();
  const retry =
    modern && (inputResponses !== undefined || typeof requestState === 'string')
      ? {
          ...(inputResponses !== undefined ? { inputResponses } : {}),
          ...(typeof requestState === 'string' ? { requestState } : {}),
        }
      : undefined;
  return {
    owner: `${username}\u0000${scope}`,
    era: modern ? 'modern' : 'legacy',
    supports: (method: RelayedMethod) => capabilities[CAPABILITY_OF[method]] !== undefined,
    async request(method, params, signal) {
      if (modern) {
        throw new ProtocolError(
          ProtocolErrorCode.MethodNotFound,
          `${method} cannot be relayed to a 2026-07-28 client outside an input_required round`,
        );
      }
      return (await ctx.mcpReq.send({ method, params }, { signal })) as JsonRecord;
    },
    log(message) {
      const level = LEVELS.find((l) => l === message.level) ?? 'info';
      void ctx.mcpReq.log(level, message.data, message.logger).catch(() => undefined);
    },
    retry,
  };
}
