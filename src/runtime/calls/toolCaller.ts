import { AppError, notFound } from '../../errors.js';
import { scrubError } from './scrubSecrets.js';
import type { ReadModels } from '../../projections/readModels.js';
import type { ServerView } from '../../projections/serversProjection.js';
import type { UserSecrets } from './userSecrets.js';
import type { ArgumentValidator } from './argumentValidator.js';
import { GOOGLE_TOKENS_SECRET, googleHiddenParams, isAuthTool, isGoogleOAuthServer } from './googleAuth.js';
import type { ServerPool } from '../core/serverPool.js';
import { pendingApproval } from '../core/pinnedSupervisor.js';
import type { ToolCallExtras, ToolCallRequest, ToolDescriptor, ToolResult } from '../core/types.js';
import type { Access } from '../../policy/access.js';
import { noTelemetry, type Telemetry } from '../../telemetry/telemetry.js';

export type ToolCallInput = ToolCallRequest;
export type { ToolCallExtras };

export interface ToolCallerDeps {
  readonly readModels: () => ReadModels;
  readonly pool: ServerPool;
  readonly secrets: UserSecrets;
  readonly validator: ArgumentValidator;
  /** The Google client JSON (GOOGLE_OAUTH_CREDENTIALS), for servers with MCP_AUTH_TYPE=OAUTH2_GOOGLE. */
  readonly googleCredentials?: Record<string, unknown>;
  /** The access policy (issue 13); absent: everyone may call everything. */
  readonly access?: Access;
  /** [obs hook] tracing: spans for secret decryption, argument validation and the upstream call. */
  readonly telemetry?: Telemetry;
}

/**
 * The call path: in-memory lookups, decrypt this user's secrets for this server, merge, check,
 * call. No store read and no key derivation happen here.
 */
export class ToolCaller {
  constructor(private readonly deps: ToolCallerDeps) {}

  async call(input: ToolCallInput, signal: AbortSignal, extras: ToolCallExtras = {}): Promise<ToolResult> {
    const { serverName, methodName } = input;
    const view = this.deps.readModels().servers.get(serverName);
    if (!view) throw notFound(serverName);
    if (!view.enabled)
      throw new AppError('server_disabled', `Server ${serverName} is disabled`, { serverName });
    // Access-policy hook: every call path (REST, /mcp in any era) passes here before anything starts.
    this.deps.access?.assert(input.username, { server: serverName, kind: 'tool', name: methodName });
    const timeoutMs = view.config.timeout;

    // A call arriving while the server starts waits for the start (bounded by startupTimeout), and
    // then still gets its whole call timeout: a slow spawn must not eat the tool's time budget.
    const snapshot = await this.deps.pool.settled(serverName, view.config.startupTimeout, signal);
    // A server may route this user to their own process or (OAuth) connection, whose tools are authoritative.
    const own = await this.deps.pool
      .get(serverName)
      ?.toolsFor?.(input.username, { timeoutMs: view.config.startupTimeout, signal });
    const tool = (own ?? snapshot.toolsList).find((t) => t.name === methodName);
    if (!tool) {
      if (snapshot.status !== 'connected' && !own) {
        const why = snapshot.statusMessage ? `: ${snapshot.statusMessage}` : '';
        throw new AppError('server_unavailable', `Server ${serverName} is ${snapshot.status}${why}`, {
          serverName,
          status: snapshot.status,
        });
      }
      // Tool pinning: offered upstream, but new or changed since it was pinned.
      if (this.deps.pool.get(serverName)?.heldTool?.(methodName, input.username))
        throw pendingApproval(serverName, methodName);
      throw new AppError('tool_not_found', `Tool ${methodName} not found on server ${serverName}`, {
        serverName,
        methodName,
      });
    }

    const google = isGoogleOAuthServer(view) && !isAuthTool(methodName);
    // With secretDelivery "env" the secrets live in the user's own process environment, never in arguments.
    const perUser = view.config.secretDelivery === 'env';
    if (!perUser) await this.deps.secrets.ensureDataKeys(view, input.username);
    const tel = this.deps.telemetry ?? noTelemetry; // [obs hook]
    // [obs hook] secrets.decrypt span
    const secrets = perUser
      ? {}
      : tel.span('secrets.decrypt', () => this.secrets(view, input.username, tool, google));
    // Stored secrets win over same-named arguments: a caller cannot swap in another credential.
    const merged = { ...input.args, ...secrets };
    const problems = tel.span('arguments.validate', () => this.deps.validator.check(tool, merged)); // [obs hook]
    if (problems.length > 0) {
      throw new AppError(
        'invalid_arguments',
        `Invalid arguments for ${serverName}/${methodName}: ${problems.join('; ')}`,
        { problems },
      );
    }
    const hidden = google ? this.googleParams(view, input.username) : { params: {}, values: [] };
    const redactor = this.deps.pool.redactor(serverName);
    redactor?.remember(input.username, [...Object.values(secrets), ...hidden.values]);
    const server = this.deps.pool.get(serverName);
    if (!server)
      throw new AppError('server_unavailable', `Server ${serverName} is not running`, { serverName });
    // Hidden parameters are not part of the tool's schema (so not validated) and win over arguments.
    // [obs hook] the upstream call as a client span; its context travels in `_meta` (and headers, remote)
    const upstream = {
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': methodName,
      'mcp_api.server.name': serverName,
    };
    const injected = [...Object.values(secrets), ...hidden.values];
    try {
      return await tel.span(
        `tools/call ${methodName}`,
        () =>
          server.callTool(
            methodName,
            { ...merged, ...hidden.params },
            {
              timeoutMs,
              signal,
              username: input.username,
              onProgress: extras.onProgress,
              trace: tel.inject(),
              relay: extras.relay,
              asTask: (tool.execution as { taskSupport?: unknown } | undefined)?.taskSupport === 'required',
            },
          ),
        { kind: 'client', attributes: upstream },
      );
    } catch (error) {
      // Read after the call: a per-user process's environment (the user's secrets) is remembered when it starts.
      throw scrubError(error, [...injected, ...(redactor?.valuesOf(input.username) ?? [])]);
    }
  }

  private googleParams(
    view: ServerView,
    username: string,
  ): { params: Record<string, unknown>; values: string[] } {
    const tokens = this.deps.secrets.openNamed(view, username, GOOGLE_TOKENS_SECRET);
    return googleHiddenParams(view.name, username, tokens, this.deps.googleCredentials);
  }

  /**
   * This user's secrets for this server registration. Only names the server declares (if it
   * declares any), and only those the tool's schema can take, so a tool that rejects extra
   * properties still works and does not receive credentials it has no field for.
   */
  private secrets(
    view: ServerView,
    username: string,
    tool: ToolDescriptor,
    google: boolean,
  ): Record<string, string> {
    // On a Google OAuth2 server the token JSON travels as the hidden userCredentials only.
    return this.deps.secrets.open(
      view,
      username,
      (name) => !(google && name === GOOGLE_TOKENS_SECRET) && acceptsProperty(tool, name),
    );
  }
}

function acceptsProperty(tool: ToolDescriptor, name: string): boolean {
  const schema = tool.inputSchema;
  const properties = schema.properties;
  if (properties && typeof properties === 'object' && name in properties) return true;
  return schema.additionalProperties !== false;
}
