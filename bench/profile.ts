import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { authHeaders, BENCH_CALL, startFixtureGateway } from './processes.js';
import { runLoad } from './stats.js';

interface ProfileNode {
  id: number;
  hitCount?: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

/**
 * `npm run bench:profile`: runs the gateway under --cpu-prof with 20k tool calls at concurrency 16
 * and prints where its CPU time went (self time by function, top 25).
 */
async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'mcp-api-prof-'));
  const profDir = join(dataDir, 'prof');
  const gw = await startFixtureGateway(join(dataDir, 'data'), ['--cpu-prof', `--cpu-prof-dir=${profDir}`]);
  try {
    const pool = new Pool(gw.url, { connections: 16 });
    const body = BENCH_CALL;
    const headers = authHeaders();
    await runLoad(
      async () => {
        const res = await pool.request({ path: '/mcp/tool/call', method: 'POST', headers, body });
        const text = await res.body.text();
        if (res.statusCode !== 200) throw new Error(`gateway answered ${res.statusCode}: ${text}`);
      },
      16,
      20_000,
      500,
    );
    await pool.close();
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
  const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 25);
  process.stdout.write(`| self % | function |\n| --- | --- |\n`);
  for (const [key, hits] of top)
    process.stdout.write(`| ${((hits / total) * 100).toFixed(1)} | \`${key}\` |\n`);
  await rm(dataDir, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  process.stderr.write(`profile failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
