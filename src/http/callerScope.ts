import type { Middleware } from 'koa';
import type { AuditCaller } from '../audit/auditRecord.js';
import type { CallerScope } from '../audit/callerScope.js';
import { principalOf } from './principal.js';

/** Who authenticated, as the audit trail records it: never a token, only its id or the OAuth client. */
export function auditCallerOf(principal: unknown): AuditCaller {
  if (!principal || typeof principal !== 'object') return { type: 'anonymous' };
  const p = principal as { kind?: unknown; tokenId?: unknown; clientId?: unknown };
  if (typeof p.clientId === 'string') return { type: 'oauth', clientId: p.clientId };
  if (p.kind === 'admin') return { type: 'admin' };
  if (typeof p.tokenId === 'string') return { type: 'user', tokenId: p.tokenId };
  return { type: 'anonymous' };
}

/** /mcp and the per-server endpoints /mcp/servers/:name/mcp. */
const MCP_PATH = /^\/mcp(?:\/servers\/[^/]+\/mcp)?$/;

/** After authentication: the rest of the request (the call path included) knows who calls and how. */
export function scopeCaller(scope: CallerScope): Middleware {
  return (ctx, next) =>
    scope.run(
      { caller: auditCallerOf(principalOf(ctx)), via: MCP_PATH.test(ctx.path) ? 'mcp' : 'rest' },
      next,
    );
}
