import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { legacyMcp, modernMcp, restPath, type CallPath } from './callPaths.js';
import { cpuSeconds, loadAverage } from './cpu.js';
import { startFixtureGateway } from './processes.js';
import { round, runLoad } from './stats.js';

interface ProfileNode {
  id: number;
  hitCount?: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

const PATHS: Record<string, (url: string, pid: number) => Promise<CallPath>> = {
  rest: async (url, pid) => restPath(url, pid),
  stateful: (url, pid) => legacyMcp(url, pid, 'stateful', 'stateful', '/mcp?username=bench'),
  stateless: (url, pid) =>
    legacyMcp(url, pid, 'stateless', 'stateless', '/mcp?username=bench&mode=stateless'),
  modern: (url, pid) => modernMcp(url, pid),
};

/**
 * `npm run bench:profile`: runs the gateway under --cpu-prof with PROFILE_CALLS tool calls (default
 * 5,000) at concurrency 16 on PROFILE_PATH (rest | stateful | stateless | modern, default rest) and
 * prints the gateway's CPU per call and where its CPU time went: self time by function (top 25), also as a
 * share of busy (non-idle) time.
 */
async function main(): Promise<void> {
  const which = process.env.PROFILE_PATH ?? 'rest';
  const open = PATHS[which];
  if (!open) throw new Error(`PROFILE_PATH must be one of ${Object.keys(PATHS).join(', ')}`);
  const calls = Number(process.env.PROFILE_CALLS ?? 5000);
  const dataDir = await mkdtemp(join(tmpdir(), 'mcp-api-prof-'));
  const profDir = join(dataDir, 'prof');
  // PROFILE_MAIN=<another build's dist/src/main.js> profiles that build with this script (A/B).
  const gw = await startFixtureGateway(
    join(dataDir, 'data'),
    ['--cpu-prof', `--cpu-prof-dir=${profDir}`],
    {},
    process.env.PROFILE_MAIN || undefined,
  );
  const pid = gw.child.pid as number;
  try {
    const path = await open(gw.url, pid);
    await runLoad(() => path.once(), 16, 500, 0);
    const cpu0 = cpuSeconds(pid);
    const result = await runLoad(() => path.once(), 16, calls, 0);
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
  const profile = JSON.parse(await readFile(join(profDir, file), 'utf8')) as { nodes: ProfileNode[] };
  const self = new Map<string, number>();
  let total = 0;
  for (const n of profile.nodes) {
    const hits = n.hitCount ?? 0;
    total += hits;
    const where = n.callFrame.url
      ? n.callFrame.url.replace(/^.*\/(node_modules\/|dist\/)/, '$1')
      : '(native)';
    const key = `${n.callFrame.functionName || '(anonymous)'} ${where}:${n.callFrame.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + hits);
  }
  const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.PROFILE_TOP ?? 25));
  const busy = total - [...self].filter(([k]) => k.startsWith('(idle)')).reduce((n, [, h]) => n + h, 0);
  process.stdout.write(`| self % | % of busy time | function |\n| --- | --- | --- |\n`);
  for (const [key, hits] of top) {
    const share = key.startsWith('(idle)') ? '' : ((hits / busy) * 100).toFixed(1);
    process.stdout.write(`| ${((hits / total) * 100).toFixed(1)} | ${share} | \`${key}\` |\n`);
  }
  await rm(dataDir, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  process.stderr.write(`profile failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
