import { AppError, notFound } from '../errors.js';
import type { ReadModels } from '../projections/readModels.js';
import type { ArgumentValidator } from './argumentValidator.js';
import type { ServerPool } from './serverPool.js';
import type { ProgressUpdate, ToolDescriptor, ToolResult } from './serverRuntime.js';
import type { UserSecrets } from './userSecrets.js';

export interface ToolCallInput {
  readonly username: string;
  readonly serverName: string;
  readonly methodName: string;
  readonly args: Record<string, unknown>;
}

export interface ToolCallerDeps {
  readonly readModels: () => ReadModels;
  readonly pool: ServerPool;
  readonly secrets: UserSecrets;
  readonly validator: ArgumentValidator;
}

/** What callers beyond the REST route (the /mcp endpoint) may add to a call. */
export interface ToolCallExtras {
  readonly onProgress?: ((update: ProgressUpdate) => void) | undefined;
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
    if (!view.enabled) throw new AppError('server_disabled', `Server ${serverName} is disabled`, { serverName });
    const timeoutMs = view.config.timeout;

    // A call arriving while the server starts waits for the start (bounded by startupTimeout), and
    // then still gets its whole call timeout: a slow spawn must not eat the tool's time budget.
    const snapshot = await this.deps.pool.settled(serverName, view.config.startupTimeout, signal);
    // A server may route this user to their own process or connection, whose tools are authoritative.
    const own = await this.deps.pool.get(serverName)?.toolsFor?.(input.username, { timeoutMs: view.config.startupTimeout, signal });
    const tool = (own ?? snapshot.toolsList).find((t) => t.name === methodName);
    if (!tool) {
      if (snapshot.status !== 'connected' && !own) {
        const why = snapshot.statusMessage ? `: ${snapshot.statusMessage}` : '';
        throw new AppError('server_unavailable', `Server ${serverName} is ${snapshot.status}${why}`, { serverName, status: snapshot.status });
      }
      throw new AppError('tool_not_found', `Tool ${methodName} not found on server ${serverName}`, { serverName, methodName });
    }

    // Only names the tool's schema can take, so a tool that rejects extra properties still works
    // and gets no credential it has no field for. With env delivery the secrets live in the
    // user's own process environment and never travel as arguments.
    const perUser = view.config.secretDelivery === 'env';
    const secrets = perUser ? {} : this.deps.secrets.open(view, input.username, (name) => acceptsProperty(tool, name));
    // Stored secrets win over same-named arguments: a caller cannot swap in another credential.
    const merged = { ...input.args, ...secrets };
    const problems = this.deps.validator.check(tool, merged);
    if (problems.length > 0) {
      throw new AppError('invalid_arguments', `Invalid arguments for ${serverName}/${methodName}: ${problems.join('; ')}`, { problems });
    }
    this.deps.pool.redactor(serverName)?.remember(Object.values(secrets));
    const server = this.deps.pool.get(serverName);
    if (!server) throw new AppError('server_unavailable', `Server ${serverName} is not running`, { serverName });
    return server.callTool(methodName, merged, { timeoutMs, signal, username: input.username, onProgress: extras.onProgress });
  }
}

function acceptsProperty(tool: ToolDescriptor, name: string): boolean {
  const schema = tool.inputSchema;
  const properties = schema.properties;
  if (properties && typeof properties === 'object' && name in properties) return true;
  return schema.additionalProperties !== false;
}
