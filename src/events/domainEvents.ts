import * as z from 'zod';
import type { NewEvent, RecordedEvent } from './eventStore.js';
import {
  ServerDisabled,
  ServerEnabled,
  ServerRegistered,
  ServerRemoved,
  ServerUpdated,
} from './serverEvents.js';
import {
  OAuthRefreshFailed,
  OAuthRefreshStarted,
  OAuthTokensDeleted,
  OAuthTokensStored,
} from './oauthEvents.js';
import {
  UpstreamClientRegistered,
  UpstreamConnectCompleted,
  UpstreamConnectStarted,
} from './upstreamConnectEvents.js';
import { SessionIdChanged, UpstreamNegotiated } from './sessionEvents.js';
import {
  McpSessionActive,
  McpSessionClosed,
  McpSessionOpened,
  McpSessionSubscribed,
  McpSessionUnsubscribed,
} from './mcpSessionEvents.js';
import {
  PackageInstalled,
  PackageInstallFailed,
  PackageInstallStarted,
  PackageUninstalled,
  PackageUpgraded,
  PackageUpgradeFailed,
  PackageUpgradeStarted,
} from './packageEvents.js';
import { SecretDeleted, SecretRewrapped, SecretSet } from './secretEvents.js';
import { TokenIssued, TokenRevoked } from './tokenEvents.js';
import { UserDeleted } from './userEvents.js';
import { GoogleLoginCompleted, GoogleLoginStarted } from './googleLoginEvents.js';
import { AccessPolicySet } from './policyEvents.js';
import { UserGroupsSet, UserRegistered, UserSignedIn } from './identityEvents.js';
import {
  AuthServerGrantRevoked,
  AuthServerRecordConsumed,
  AuthServerRecordDestroyed,
  AuthServerRecordStored,
} from './authServerEvents.js';
import {
  ToolCatalogPinned,
  ToolChangeApproved,
  ToolChangeDetected,
  ToolChangeRejected,
} from './toolPinEvents.js';

/** Every event type of the domain with the schema of its current version. */
export const EVENT_SCHEMAS = {
  ServerRegistered,
  ServerUpdated,
  ServerEnabled,
  ServerDisabled,
  ServerRemoved,
  SecretSet,
  SecretDeleted,
  OAuthTokensStored,
  OAuthRefreshStarted,
  OAuthRefreshFailed,
  SessionIdChanged,
  UpstreamNegotiated,
  PackageInstallStarted,
  PackageInstalled,
  PackageInstallFailed,
  PackageUpgradeStarted,
  PackageUpgraded,
  PackageUpgradeFailed,
  PackageUninstalled,
  SecretRewrapped,
  TokenIssued,
  TokenRevoked,
  UserDeleted,
  GoogleLoginStarted,
  GoogleLoginCompleted,
  // Identity (issue 13): access policy, users and groups, the gateway's authorization server.
  AccessPolicySet,
  UserRegistered,
  UserGroupsSet,
  UserSignedIn,
  AuthServerRecordStored,
  AuthServerRecordConsumed,
  AuthServerRecordDestroyed,
  AuthServerGrantRevoked,
  McpSessionOpened,
  McpSessionActive,
  McpSessionClosed,
  McpSessionSubscribed,
  McpSessionUnsubscribed,
  // Connect your account (issue 13 item 5).
  OAuthTokensDeleted,
  UpstreamConnectStarted,
  UpstreamConnectCompleted,
  UpstreamClientRegistered,
  // Tool pinning (issue 14).
  ToolCatalogPinned,
  ToolChangeDetected,
  ToolChangeApproved,
  ToolChangeRejected,
} as const;

export const CURRENT_SCHEMA_VERSION: Record<EventType, number> = {
  ServerRegistered: 1,
  ServerUpdated: 1,
  ServerEnabled: 1,
  ServerDisabled: 1,
  ServerRemoved: 1,
  SecretSet: 1,
  SecretDeleted: 1,
  OAuthTokensStored: 1,
  OAuthRefreshStarted: 1,
  OAuthRefreshFailed: 1,
  SessionIdChanged: 1,
  UpstreamNegotiated: 1,
  PackageInstallStarted: 1,
  PackageInstalled: 1,
  PackageInstallFailed: 1,
  PackageUpgradeStarted: 1,
  PackageUpgraded: 1,
  PackageUpgradeFailed: 1,
  PackageUninstalled: 1,
  SecretRewrapped: 1,
  TokenIssued: 1,
  TokenRevoked: 1,
  UserDeleted: 1,
  GoogleLoginStarted: 1,
  GoogleLoginCompleted: 1,
  AccessPolicySet: 1,
  UserRegistered: 1,
  UserGroupsSet: 1,
  UserSignedIn: 1,
  AuthServerRecordStored: 1,
  AuthServerRecordConsumed: 1,
  AuthServerRecordDestroyed: 1,
  AuthServerGrantRevoked: 1,
  McpSessionOpened: 1,
  McpSessionActive: 1,
  McpSessionClosed: 1,
  McpSessionSubscribed: 1,
  McpSessionUnsubscribed: 1,
  OAuthTokensDeleted: 1,
  UpstreamConnectStarted: 1,
  UpstreamConnectCompleted: 1,
  UpstreamClientRegistered: 1,
  ToolCatalogPinned: 1,
  ToolChangeDetected: 1,
  ToolChangeApproved: 1,
  ToolChangeRejected: 1,
};

export type EventType = keyof typeof EVENT_SCHEMAS;
export type DomainEvent = {
  [K in EventType]: { type: K; data: z.infer<(typeof EVENT_SCHEMAS)[K]> };
}[EventType];

/** A domain event as a decider emits it: type and data; the handler adds the envelope. */
export type Emitted = DomainEvent;

/**
 * Upcasters lift old schema versions to the current one: `[type][fromVersion] = data => data'`.
 * Empty today: every event is still at version 1. Add an entry before changing a schema.
 */
const UPCASTERS: Partial<
  Record<EventType, Record<number, (data: Record<string, unknown>) => Record<string, unknown>>>
> = {};

/**
 * Reads a stored event as a typed domain event, upcasting older versions. Returns undefined for
 * types this build does not know (a newer writer on the same store), so readers skip them.
 */
export function parseEvent(event: RecordedEvent | NewEvent): DomainEvent | undefined {
  if (!(event.type in EVENT_SCHEMAS)) return undefined;
  const type = event.type as EventType;
  let data = event.data;
  let version = event.metadata.schemaVersion;
  while (version < CURRENT_SCHEMA_VERSION[type]) {
    const up = UPCASTERS[type]?.[version];
    if (!up) throw new Error(`No upcaster for ${type} v${version}`);
    data = up(data);
    version += 1;
  }
  return { type, data: EVENT_SCHEMAS[type].parse(data) } as DomainEvent;
}
