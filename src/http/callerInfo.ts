import type { Context } from 'koa';
import type { AuditCaller } from '../audit/auditRecord.js';
import type { CallerInfo } from '../runtime/core/types.js';
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

/**
 * Who made this request and through which door, handed down with each call it makes (REST routes pass
 * it in the call; /mcp puts it on the request's AuthInfo, which the SDK gives each handler).
 */
export const callerOf = (ctx: Context, via: CallerInfo['via']): CallerInfo => ({
  caller: auditCallerOf(principalOf(ctx)),
  via,
});
