import type { CatalogSource } from '../runtime/endpoint/catalog/catalogSource.js';
import type { CommandMetadata } from '../commands/commandHandler.js';
import type { UserSecretBox } from '../crypto/userSecretBox.js';
import type { EventStore } from '../events/eventStore.js';
import type { AuditLog } from '../audit/fileAuditLog.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import type { Logger } from '../logger.js';
import type { ServerHealth } from '../metrics/serverHealth.js';
import type { Projector } from '../projections/projector.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { McpHttpRequest } from '../runtime/endpoint/mcpEndpoint.js';
import type { PackageManager } from '../runtime/packages/packageManager.js';
import type { RuntimePort } from '../runtime/core/types.js';
import type { UrlPolicy } from '../net/urlSafety.js';
import type { Authenticator } from './authenticator.js';
import type { LoginLinks } from './loginLinks.js';
import type { OriginPolicy } from './originGuard.js';
import type { RateLimiter } from './rateLimiter.js';
import type { AuthThrottle } from './authThrottle.js';
import type { Access } from '../policy/access.js';
import type { IdentityDeps } from './authServer/identityDeps.js';
import type { UpstreamConnect } from '../runtime/remote/oauth/upstreamConnect.js';

export type { RuntimePort, ToolCallRequest } from '../runtime/core/types.js';

/** The gateway's own MCP endpoint; the route hands it the raw request once it knows who calls. */
export interface McpPort {
  handle(req: IncomingMessage, res: ServerResponse, request: McpHttpRequest): Promise<void>;
  /** Resources, prompts and completions (the REST catalogue routes); absent: tools only. */
  readonly catalog?: CatalogSource | undefined;
}

/** Operability endpoints: readiness and Prometheus metrics. */
export interface OpsPort {
  readiness(): Promise<{ ready: boolean; checks: Record<string, { ok: boolean; detail: string }> }>;
  metrics(): Promise<{ contentType: string; body: string }>;
  /** Per server: calls, errors, p50/p95 latency from the gateway's own metrics (GET /health/servers). */
  serverHealth?(): Promise<ServerHealth[]>;
}

export interface ServerDefaults {
  readonly timeout: number;
  readonly startupTimeout: number;
}

export interface AppDeps {
  readonly store: EventStore;
  readonly projector: Projector;
  readonly runtime: RuntimePort;
  readonly ops: OpsPort;
  readonly secretBox: UserSecretBox;
  readonly logger: Logger;
  readonly clock: () => Date;
  readonly newId: () => string;
  readonly bodyLimit: string | number;
  readonly defaults: ServerDefaults;
  readonly mcp: McpPort;
  /** Remote server URLs with an IP-literal host are checked against it at registration. */
  readonly urlPolicy?: UrlPolicy;
  readonly packages: PackageManager;
  readonly security: SecurityDeps;
  /** The access policy (the one enforcement layer; src/policy). */
  readonly access: Access;
  /** The gateway's own OAuth authorization server; absent without PUBLIC_URL. */
  readonly identity?: IdentityDeps;
  /** Tracing (issue 17); absent or off: no spans. */
  readonly telemetry?: Telemetry;
  /** The tool-call audit trail (issue 17); absent: GET /audit/calls answers 404. */
  readonly audit?: AuditDeps;
  /** Connect your account at remote servers' authorization servers (issue 13 item 5). */
  readonly connect?: ConnectDeps;
}

export interface ConnectDeps {
  readonly service: UpstreamConnect;
  /** Signed, short-lived browser links that start a connection for (user, server). */
  readonly links: LoginLinks;
}

/** The log GET /audit/calls reads. */
export interface AuditDeps {
  readonly log: AuditLog;
}

/** Authentication, authorization and limits (src/http/authMiddleware.ts, routePolicy.ts). */
export interface SecurityDeps {
  readonly authenticator: Authenticator;
  readonly links: LoginLinks;
  readonly origins: OriginPolicy;
  readonly toolCalls: RateLimiter;
  /** Secret and OAuth-token writes per user: each one is an event, so an unbounded stream would flood the log. */
  readonly secretWrites: RateLimiter;
  /** Failed authentications per source address. */
  readonly authFailures?: AuthThrottle;
  readonly maxSecretsPerUser: number;
  readonly maxSecretValueBytes: number;
  /** How long a Google login state stays valid. */
  readonly googleLoginTtlMs: number;
  /** Whether GOOGLE_OAUTH_CREDENTIALS is set (without it, a Google login could never be used). */
  readonly googleConfigured: boolean;
  /** Base URL for links handed to browsers; default: the request's own origin. */
  readonly publicUrl?: string;
}

export const commandMetadata = (deps: AppDeps, actor: string, correlationId?: string): CommandMetadata => ({
  now: deps.clock(),
  newId: deps.newId,
  actor,
  ...(correlationId === undefined ? {} : { correlationId }),
});
