import * as z from 'zod';
import { USERNAME } from './secretEvents.js';

/**
 * A legacy (2025-era) session of the gateway's own /mcp endpoint: what any instance sharing the
 * store needs to rebuild it when a request carries its id. The id itself is a bearer value, so
 * events carry only `sessionKey` (a hash of it, see runtime/endpoint/sessionKey.ts).
 */
const sessionKey = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/);

/** Client-declared objects are bounded: a session record must stay small. */
const bounded = (max: number) =>
  z
    .record(z.string(), z.unknown())
    .refine((v) => JSON.stringify(v).length <= max, `at most ${max} bytes of JSON`);

export const McpSessionOpened = z.object({
  sessionKey,
  /** Who authenticated (`user:<name>` or `admin:<name>`): the session is refused to anyone else. */
  subject: z.string().min(1).max(200),
  username: z.string().regex(USERNAME),
  protocolVersion: z.string().min(1).max(32),
  clientInfo: z.object({ name: z.string().max(256), version: z.string().max(256) }),
  clientCapabilities: bounded(8192),
  filter: z.object({
    servers: z.array(z.string()).max(256).optional(),
    tools: z.array(z.string()).max(256).optional(),
    /** Opened on the per-server endpoint of this server (original names); absent: /mcp. */
    single: z.string().min(1).max(64).optional(),
  }),
});

/** The session was used (a request, or a stream still open); recorded at most once a minute or so. */
export const McpSessionActive = z.object({ sessionKey });

export const McpSessionClosed = z.object({
  sessionKey,
  reason: z.enum(['deleted', 'idle', 'evicted', 'user_deleted']),
});

/** Resource subscriptions one session may hold (live and recorded alike). */
export const MAX_SESSION_SUBSCRIPTIONS = 64;

/**
 * resources/subscribe and unsubscribe of a session, by server and the server's own URI: a restart
 * (or another instance) rebuilding the session subscribes upstream again.
 */
const subscription = {
  sessionKey,
  server: z.string().min(1).max(64),
  uri: z.string().min(1).max(4096),
};
export const McpSessionSubscribed = z.object(subscription);
export const McpSessionUnsubscribed = z.object(subscription);

export type McpSessionOpenedData = z.infer<typeof McpSessionOpened>;
export type McpSessionClosedData = z.infer<typeof McpSessionClosed>;
export type McpSessionSubscriptionData = z.infer<typeof McpSessionSubscribed>;

export const mcpSessionStreamId = (key: string): string => `mcp-session-${key}`;
