import { AsyncLocalStorage } from 'node:async_hooks';
import type { AuditCaller } from './auditRecord.js';

/** Who is calling, as the HTTP layer authenticated it, and through which door. */
export interface CallerInfo {
  readonly caller: AuditCaller;
  readonly via: 'rest' | 'mcp';
}

/**
 * Carries the caller from the HTTP middleware to the call path's audit decorator, across the MCP
 * SDK's request handling (which has no slot for it), without threading it through every layer.
 */
export class CallerScope {
  private readonly storage = new AsyncLocalStorage<CallerInfo>();

  run<T>(info: CallerInfo, fn: () => T): T {
    return this.storage.run(info, fn);
  }

  current(): CallerInfo | undefined {
    return this.storage.getStore();
  }
}
