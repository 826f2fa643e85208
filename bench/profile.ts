import { setMaxListeners } from 'node:events';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { legacyMcp, modernMcp, restPath, type CallPath } from './callPaths.js';
import { cpuSeconds, loadAverage } from './cpu.js';
import { startFixtureGateway } from './processes.js';
import { round, runLoad } from './stats.js';
import { profileReport, type CpuProfile } from './profileReport.js';

const PATHS: Record<string, (url: string, pid: number) => Promise<CallPath>> = {
  rest: async (url, pid) => restPath(url, pid),
  stateful: (url, pid) => legacyMcp(url, pid, 'stateful', 'stateful', '/mcp?username=bench'),
  stateless: (url, pid) =>
    legacyMcp(url, pid, 'stateless', 'stateless', '/mcp?username=bench&mode=stateless'),
  modern: (url, pid) => modernMcp(url, pid),
};

/**
 * `npm run bench:profile`: runs the gateway under --cpu-prof with PROFILE_CALLS tool calls (default
 * 5,000) at concurrency PROFILE_CONCURRENCY (default 16) on PROFILE_PATH (rest | stateful | stateless |
 * modern, default rest) and prints the gateway's CPU per call and where its CPU time went during the
 * measured calls only (no start-up, no warm-up): self and inclusive time by function (top PROFILE_TOP,
 * default 25) as shares of busy time.
 */
async function main(): Promise<void> {
  // As in run.ts: the 2025-era SDK client shares one AbortSignal across its fetches (listeners freed at GC).
  setMaxListeners(0);
  const which = process.env.PROFILE_PATH ?? 'rest';
  const open = PATHS[which];
  if (!open) throw new Error(`PROFILE_PATH must be one of ${Object.keys(PATHS).join(', ')}`);
  const calls = Number(process.env.PROFILE_CALLS ?? 5000);
  const dataDir = await mkdtemp(join(tmpdir(), 'mcp-api-prof-'));
  const profDir = join(dataDir, 'prof');
  // PROFILE_MAIN=<another build's dist/src/main.js> profiles that build with this script (A/B).
  const gw = await startFixtureGateway(
    join(dataDir, 'data'),
    [
      '--cpu-prof',
      `--cpu-prof-dir=${profDir}`,
      ...(process.env.PROFILE_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
    ],
    {},
    process.env.PROFILE_MAIN || undefined,
  );
  const pid = gw.child.pid as number;
  const windowUs = [0, Number.MAX_SAFE_INTEGER];
  try {
    const path = await open(gw.url, pid);
    const concurrency = Number(process.env.PROFILE_CONCURRENCY ?? 16);
    await runLoad(() => path.once(), concurrency, 500, 0);
    const cpu0 = cpuSeconds(pid);
    windowUs[0] = Number(process.hrtime.bigint() / 1000n);
    const result = await runLoad(() => path.once(), concurrency, calls, 0);
    windowUs[1] = Number(process.hrtime.bigint() / 1000n);
    const cpuUs = round(((cpuSeconds(pid) - cpu0) / calls) * 1e6, 0);
    process.stdout.write(
      `${which}: ${result.throughput} calls/s, p50 ${result.p50} ms, ${cpuUs} µs gateway CPU per call ` +
        `(profiler on; load ${loadAverage()})\n\n`,
    );
    await path.close();
  } finally {
    await gw.stop();
  }
  const file = (await readdir(profDir)).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error('no profile written');
  const text = await readFile(join(profDir, file), 'utf8');
  // PROFILE_SAVE=<file>: keep the raw profile (Chrome DevTools opens it) with the measured window
  // (`measuredWindowUs`, for ad-hoc analysis).
  const profile = JSON.parse(text) as CpuProfile;
  if (process.env.PROFILE_SAVE)
    await writeFile(process.env.PROFILE_SAVE, JSON.stringify({ ...profile, measuredWindowUs: windowUs }));
  const top = Number(process.env.PROFILE_TOP ?? 25);
  process.stdout.write(profileReport(profile, windowUs[0] as number, windowUs[1] as number, top));
  await rm(dataDir, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  process.stderr.write(`profile failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
