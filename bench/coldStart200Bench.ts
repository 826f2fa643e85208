import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerTinyServers } from '../test/fixtures/tinyServer.js';
import { startGatewayProcess, waitConnected } from './processes.js';
import { median, round } from './stats.js';

/**
 * Cold start with many registered servers (tiny sh servers, so the machine measures the gateway, not
 * 200 Node runtimes): time from spawn to the "listening" line (the target: under 2 s for 200)
 * and to every server connected, with the gateway's default start concurrency.
 */
export async function coldStartManyBench(
  count: number,
  rounds = 2,
): Promise<{ servers: number; listeningMs: number; allConnectedMs: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'mcp-api-bench-cold-many-'));
  try {
    const dataDir = join(dir, 'data');
    const names = await registerTinyServers(dir, dataDir, count);
    const listening: number[] = [];
    const connected: number[] = [];
    for (let r = 0; r < rounds; r++) {
      // Unsandboxed, as in test/mainOps.test.ts: the tiny script lives in a temp dir, and a sandbox gives
      // each server its own empty /tmp. The sandbox's own start cost is in the cold-start rows above.
      const gw = await startGatewayProcess(dataDir, { SANDBOX: 'off' });
      // Stopped before the directory goes, whatever failed: a gateway left running on a removed DATA_DIR
      // is how a run once ended on ENOENT for the process ledger's temp file.
      try {
        listening.push(Number(gw.listeningAt - gw.startedAt) / 1e6);
        await waitConnected(gw.url, names, 300_000);
        connected.push(Number(process.hrtime.bigint() - gw.startedAt) / 1e6);
      } finally {
        await gw.stop();
      }
    }
    return {
      servers: count,
      listeningMs: round(median(listening), 1),
      allConnectedMs: round(median(connected), 1),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
