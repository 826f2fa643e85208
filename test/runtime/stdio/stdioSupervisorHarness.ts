import { expect } from 'chai';
import { AppError } from '../../../src/errors.js';
import { createLogger } from '../../../src/logger.js';
import { StdioSupervisor, type StdioSupervisorOptions } from '../../../src/runtime/stdio/stdioSupervisor.js';
import { ProcessRegistry } from '../../../src/runtime/stdio/processRegistry.js';
import type { RestartPolicy } from '../../../src/runtime/core/restartPolicy.js';
import type { ServerSnapshot } from '../../../src/runtime/core/types.js';
import { FIXTURE_SERVER, isAlive, killQuietly, waitFor } from '../processTestUtils.js';

/** Shared by the StdioSupervisor tests: supervisors over the fixture server, stopped and checked after each. */
export const FAST: RestartPolicy = {
  initialDelayMs: 20,
  maxDelayMs: 200,
  factor: 2,
  breakerThreshold: 3,
  breakerWindowMs: 10_000,
};

export const rejection = async (p: Promise<unknown>): Promise<AppError> => {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'expected a rejection').to.be.instanceOf(AppError);
  return error as AppError;
};
export const textOf = (result: Record<string, unknown>): string =>
  (result.content as { text: string }[])[0]?.text ?? '';

export interface SupervisorHarness {
  /** A supervisor (not started) over the fixture server with the FAST policy; `env` is its configured env. */
  make(env?: Record<string, string>, overrides?: Partial<StdioSupervisorOptions>): StdioSupervisor;
  /** Starts `server` and waits until it has left connecting, asserting it connected. */
  connected(server: StdioSupervisor): Promise<ServerSnapshot>;
  /** Every line the supervisors of the current test logged (emptied after each test). */
  readonly logLines: string[];
}

/**
 * For one describe block: after each test, stops every supervisor `make` built and checks that every process
 * they ever ran is gone (killing any left behind).
 */
export function useSupervisors(): SupervisorHarness {
  let servers: StdioSupervisor[] = [];
  let pids: number[] = [];
  const logLines: string[] = [];

  function make(
    env: Record<string, string> = {},
    overrides: Partial<StdioSupervisorOptions> = {},
  ): StdioSupervisor {
    const registry = new ProcessRegistry();
    const server = new StdioSupervisor({
      name: 'fixture',
      transport: { transportType: 'stdio', command: process.execPath, args: [FIXTURE_SERVER], env },
      startupTimeoutMs: 5000,
      logger: createLogger({ level: 'debug', write: (l) => logLines.push(l) }),
      policy: FAST,
      shutdownGraceMs: 200,
      logLimit: 100,
      parentEnv: { ...process.env, CANARY_PARENT_VAR: 'canary-parent-3b9e', SECRETS_KEY: 'gateway-key' },
      registry,
      ...overrides,
      onChange: () => {
        const pid = server.snapshot().pid;
        if (pid !== undefined && !pids.includes(pid)) pids.push(pid);
        overrides.onChange?.();
      },
    });
    servers.push(server);
    return server;
  }

  async function connected(server: StdioSupervisor): Promise<ServerSnapshot> {
    server.start();
    await waitFor(() => server.snapshot().status !== 'connecting', 'status to leave connecting');
    const snap = server.snapshot();
    expect(snap.status, snap.statusMessage).to.equal('connected');
    return snap;
  }

  afterEach(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    for (const pid of pids) {
      expect(isAlive(pid), `pid ${pid} still alive`).to.equal(false);
      killQuietly(pid);
    }
    servers = [];
    pids = [];
    logLines.length = 0;
  });

  return { make, connected, logLines };
}
