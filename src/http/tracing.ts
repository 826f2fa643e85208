import type { Context, Middleware } from 'koa';
import { errorTypeOf } from '../telemetry/errorType.js';
import {
  traceCarrierOf,
  type OpenSpan,
  type SpanAttributes,
  type Telemetry,
} from '../telemetry/telemetry.js';

/** Ends a span when the response is done; SSE and /mcp answers outlive their Koa handler. */
function endWithResponse(ctx: Context, span: OpenSpan): void {
  if (ctx.res.writableEnded || ctx.res.destroyed) span.end();
  else ctx.res.once('close', () => span.end());
}

/**
 * One server span per HTTP request, continuing the caller's W3C trace context. The path is
 * recorded, never the query string (login links carry credentials there).
 */
export function traceHttp(telemetry: Telemetry): Middleware {
  return async (ctx, next) => {
    const span = telemetry.open(ctx.method, {
      kind: 'server',
      parent: traceCarrierOf(ctx.headers),
      attributes: { 'http.request.method': ctx.method, 'url.path': ctx.path, 'url.scheme': ctx.protocol },
    });
    ctx.state.httpSpan = span;
    try {
      await span.run(next);
    } catch (error) {
      span.fail(errorTypeOf(error));
      throw error;
    } finally {
      const route = (ctx as Context & { _matchedRoute?: unknown })._matchedRoute;
      const attributes: SpanAttributes = { 'http.response.status_code': ctx.status };
      if (typeof route === 'string') {
        attributes['http.route'] = route;
        span.rename(`${ctx.method} ${route}`);
      }
      span.setAttributes(attributes);
      if (ctx.status >= 500) span.fail(String(ctx.status));
      endWithResponse(ctx, span);
    }
  };
}

/**
 * The access decision (route policy + authentication) as its own span. Everything after the
 * decision runs back in the request's span, so the policy span covers the decision alone.
 */
export function tracePolicy(telemetry: Telemetry, auth: Middleware): Middleware {
  return async (ctx, next) => {
    const span = telemetry.open('gateway.policy');
    let decided = false;
    const decide = (decision: 'allow' | 'deny', error?: unknown): void => {
      if (decided) return;
      decided = true;
      const access = (ctx.state.policy as { access?: string } | undefined)?.access;
      span.setAttributes({ 'mcp_api.policy.decision': decision, 'mcp_api.policy.access': access });
      if (error !== undefined) span.fail(errorTypeOf(error));
      span.end();
    };
    const parent = ctx.state.httpSpan as OpenSpan | undefined;
    try {
      await span.run(() =>
        auth(ctx, () => {
          decide('allow');
          return parent ? parent.run(next) : next();
        }),
      );
    } catch (error) {
      decide('deny', error);
      throw error;
    }
  };
}

interface JsonRpcRequest {
  readonly method: string;
  readonly id?: unknown;
  readonly params?: { readonly name?: unknown; readonly _meta?: unknown };
}

const isRequest = (m: unknown): m is JsonRpcRequest =>
  !!m && typeof m === 'object' && typeof (m as { method?: unknown }).method === 'string' && 'id' in m;

/**
 * A server span per MCP request on /mcp (semantic conventions for MCP): `{method} {tool}`, the
 * session, the JSON-RPC id, continuing the trace context of the request's `_meta` when it has
 * one. A single request's handling runs inside its span; a batch's inside the HTTP span.
 */
export function traceMcpRequests(telemetry: Telemetry): Middleware {
  return async (ctx, next) => {
    if (ctx.path !== '/mcp' || ctx.method !== 'POST') return next();
    const body: unknown = ctx.request.body;
    const requests = (Array.isArray(body) ? body : [body]).filter(isRequest);
    const session = ctx.get('mcp-session-id') || undefined;
    const version = ctx.get('mcp-protocol-version') || undefined;
    const spans = requests.map((m) => {
      const tool =
        m.method === 'tools/call' && typeof m.params?.name === 'string' ? m.params.name : undefined;
      return telemetry.open(tool ? `${m.method} ${tool}` : m.method, {
        kind: 'server',
        parent: traceCarrierOf(m.params?._meta),
        attributes: {
          'mcp.method.name': m.method,
          'jsonrpc.request.id':
            typeof m.id === 'string' || typeof m.id === 'number' ? String(m.id) : undefined,
          'mcp.session.id': session,
          'mcp.protocol.version': version,
          'network.transport': 'tcp',
          'network.protocol.name': 'http',
          'gen_ai.tool.name': tool,
          'gen_ai.operation.name': tool ? 'execute_tool' : undefined,
        },
      });
    });
    try {
      const only = spans.length === 1 ? spans[0] : undefined;
      await (only ? only.run(next) : next());
    } finally {
      for (const span of spans) endWithResponse(ctx, span);
    }
  };
}
