import { handleCommand } from '../../commands/commandHandler.js';
import type { Decider } from '../../commands/decider.js';
import { packageDecider, type PackageCommand } from '../../commands/packageDecider.js';
import { serverDecider, type ServerCommand } from '../../commands/serverDecider.js';
import type { EventStore } from '../../events/eventStore.js';
import { packageStreamId } from '../../events/packageEvents.js';
import { serverStreamId } from '../../events/serverEvents.js';
import type { Logger } from '../../logger.js';
import type { Projector } from '../../projections/projector.js';
import type { InstallRoots } from './installRoots.js';
import type { NpmInstaller } from './npmInstaller.js';
import type { PackageJobs } from './packageJobs.js';
import type { PipInstaller } from './pipInstaller.js';

/** Everything the package flows share: the store, the read models, the installers and the jobs. */
export interface PackageContext {
  readonly store: EventStore;
  readonly projector: Projector;
  readonly roots: InstallRoots;
  readonly npm: NpmInstaller;
  readonly pip: PipInstaller;
  readonly jobs: PackageJobs;
  readonly logger: Logger;
  readonly clock: () => Date;
  readonly newId: () => string;
  /** Resolves once the runtime has applied every server change so far (a removed server's process has stopped). */
  readonly serversSettled: () => Promise<void>;
  readonly defaults: { readonly timeout: number; readonly startupTimeout: number };
}

/** Runs one command on its stream and waits until the read models include its events. */
async function exec<S, C>(
  ctx: PackageContext,
  streamId: string,
  decider: Decider<S, C>,
  command: C,
  correlationId?: string,
): Promise<void> {
  const metadata = {
    now: ctx.clock(),
    newId: ctx.newId,
    actor: 'admin',
    ...(correlationId === undefined ? {} : { correlationId }),
  };
  const result = await handleCommand(ctx.store, streamId, decider, command, metadata);
  await ctx.projector.waitFor(result.position);
}

export const onPackage = (
  ctx: PackageContext,
  serverName: string,
  command: PackageCommand,
  correlationId?: string,
): Promise<void> => exec(ctx, packageStreamId(serverName), packageDecider, command, correlationId);

export const onServer = (
  ctx: PackageContext,
  serverName: string,
  command: ServerCommand,
  correlationId?: string,
): Promise<void> => exec(ctx, serverStreamId(serverName), serverDecider, command, correlationId);

export const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));
