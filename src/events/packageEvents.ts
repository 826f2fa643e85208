import * as z from 'zod';
import { SERVER_NAME } from './serverEvents.js';

/** Longest error text kept in an event: enough for npm's or pip's last lines, bounded for the log. */
export const MAX_ERROR_LENGTH = 4000;

/**
 * What the install request asked for, persisted so upgrades and update checks reuse it.
 * Server configuration (env, timeouts, secret names) lives on the server stream, not here.
 */
export const PackageSpecSchema = z.object({
  runtime: z.enum(['node', 'python']),
  /** npm or PyPI package name, validated before the event was written. */
  name: z.string().min(1),
  /** Version, range or dist-tag (npm) / PEP 440 version or specifier (pip) as requested; absent = latest. */
  requestedVersion: z.string().optional(),
  /** npm lifecycle scripts run only when the request opted in. */
  allowScripts: z.boolean(),
  /** The request gave its own command: upgrades never rewrite it. */
  customCommand: z.boolean(),
  pythonModule: z.string().optional(),
  pythonArgs: z.array(z.string()).optional(),
  pipIndexUrl: z.string().optional(),
  pipExtraIndexUrl: z.string().optional(),
  pipDependencies: z.array(z.string()).optional(),
});
export type PackageSpec = z.infer<typeof PackageSpecSchema>;

/** How the server is started, as last derived from the installed package. */
export const EntrySchema = z.object({ command: z.string().min(1), args: z.array(z.string()) });
export type Entry = z.infer<typeof EntrySchema>;

const serverName = z.string().regex(SERVER_NAME);
const error = z.string().max(MAX_ERROR_LENGTH);

export const PackageInstallStarted = z.object({
  installId: z.string().min(1),
  serverName,
  /**
   * The id the server will be registered under once the install succeeds (recovery removes it if the outcome is
   * missing).
   */
  serverId: z.string().min(1),
  spec: PackageSpecSchema,
  installPath: z.string().min(1),
});
export const PackageInstalled = z.object({
  installId: z.string().min(1),
  serverName,
  serverId: z.string().min(1),
  version: z.string().min(1),
  entry: EntrySchema,
});
export const PackageInstallFailed = z.object({
  installId: z.string().min(1),
  serverName,
  error,
  /** True when the gateway stopped mid-install and recovery closed it at the next start. */
  interrupted: z.boolean(),
});
export const PackageUpgradeStarted = z.object({
  upgradeId: z.string().min(1),
  serverName,
  fromVersion: z.string().min(1),
  targetVersion: z.string().optional(),
});
export const PackageUpgraded = z.object({
  upgradeId: z.string().min(1),
  serverName,
  serverId: z.string().min(1),
  fromVersion: z.string().min(1),
  version: z.string().min(1),
  entry: EntrySchema,
});
export const PackageUpgradeFailed = z.object({
  upgradeId: z.string().min(1),
  serverName,
  error,
  interrupted: z.boolean(),
});
export const PackageUninstalled = z.object({ installId: z.string().min(1), serverName });

export type PackageInstallStartedData = z.infer<typeof PackageInstallStarted>;

/** One stream per server name: a server has at most one package, and its history is one ordered story. */
export const packageStreamId = (serverName: string): string => `package-${serverName}`;
