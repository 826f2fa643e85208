import type { CatalogCall, CatalogSource } from '../runtime/endpoint/catalog/catalogSource.js';
import { auditedCall } from './auditedCall.js';
import type { AuditKind } from './auditRecord.js';
import type { AuditRecorder } from './auditRecorder.js';

const KIND: Record<CatalogCall['method'], AuditKind> = {
  'resources/read': 'resource_read',
  'prompts/get': 'prompt_get',
  'completion/complete': 'completion',
};

/** What the record names: the URI read, the prompt got, or the prompt or URI (template) completed for. */
function targetOf(call: CatalogCall): { target: string; args: Record<string, unknown> } {
  if (call.method === 'resources/read') return { target: call.uri, args: {} };
  if (call.method === 'prompts/get') return { target: call.name, args: call.arguments ?? {} };
  const ref = call.params.ref as { name?: unknown; uri?: unknown } | undefined;
  const argument = call.params.argument as { name?: unknown; value?: unknown } | undefined;
  const target = typeof ref?.name === 'string' ? ref.name : typeof ref?.uri === 'string' ? ref.uri : '';
  const args = typeof argument?.name === 'string' ? { [argument.name]: argument.value } : {};
  return { target, args };
}

/**
 * Records every resource read, prompt get and completion that reaches a server's catalogue (REST
 * and /mcp, both eras, both endpoints), like auditRuntime does tool calls: the caller as the request
 * handed it down, the target by its server's own name, argument names and sizes but never values.
 * Lists and subscriptions are not calls and go through unrecorded.
 */
export function auditCatalog(
  catalog: CatalogSource,
  recorder: AuditRecorder,
  clock: () => Date,
  traceId: () => string | undefined = () => undefined,
): CatalogSource {
  const deps = { recorder, clock, traceId };
  return {
    serverNames: () => catalog.serverNames(),
    list: (username, server, kind, signal) => catalog.list(username, server, kind, signal),
    subscribe: (username, server, uri, signal) => catalog.subscribe(username, server, uri, signal),
    unsubscribe: (username, server, uri, signal) => catalog.unsubscribe(username, server, uri, signal),
    call: (username, server, request, signal, caller) =>
      auditedCall(
        deps,
        { kind: KIND[request.method], username, serverName: server, ...targetOf(request), who: caller },
        () => catalog.call(username, server, request, signal, caller),
      ),
  };
}
