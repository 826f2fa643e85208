import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
/**
 * The suite's bundle imports `globSync` from `fs` (Node >= 22) at load time; on Node 20 a loader hook
 * gives it one (see conformanceNode20/), so it runs on the Node the gateway runs on.
 */
const NODE20_SHIM = fileURLToPath(new URL('./conformanceNode20/register.js', import.meta.url));
const NODE_ARGS = Number(process.versions.node.split('.')[0]) >= 22 ? [] : ['--import', NODE20_SHIM];
const SUITE = join(
  dirname(require.resolve('@modelcontextprotocol/conformance/package.json')),
  'dist',
  'index.js',
);

export const baseline = (era: string): string =>
  fileURLToPath(new URL(`../../../test/conformance/expected-failures-${era}.yml`, import.meta.url));

export interface Check {
  id: string;
  status: string;
  errorMessage?: string;
}

/** How the suite selects the scenarios of one era. */
export const ERA_SELECT: Record<'2025-11-25' | '2026-07-28', readonly string[]> = {
  '2025-11-25': ['--spec-version', '2025-11-25'],
  '2026-07-28': ['--requirements', '2026-07-28'],
};

export function runSuite(
  url: string,
  select: readonly string[],
  outDir: string,
  extra: readonly string[] = [],
): Promise<{ code: number; output: string }> {
  const args = [...NODE_ARGS, SUITE, 'server', '--url', url, ...select, ...extra, '-o', outDir];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      args,
      { timeout: 240_000, maxBuffer: 16 * 1024 * 1024, env: { PATH: process.env.PATH ?? '', HOME: outDir } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, output: `${stdout}\n${stderr}` });
      },
    );
  });
}

/** scenario → its checks, from the per-scenario checks.json files the suite writes. */
export async function readResults(outDir: string): Promise<Map<string, Check[]>> {
  const results = new Map<string, Check[]>();
  for (const entry of (await readdir(outDir)).filter((e) => e.startsWith('server-'))) {
    const scenario = entry.replace(/^server-/, '').replace(/-\d{4}-\d{2}-\d{2}T[\d-]+Z$/, '');
    results.set(scenario, JSON.parse(await readFile(join(outDir, entry, 'checks.json'), 'utf8')) as Check[]);
  }
  return results;
}

/** A scenario passes when none of its checks failed or warned (INFO and SUCCESS only). */
export const passed = (checks: readonly Check[] | undefined): boolean =>
  (checks ?? []).length > 0 && (checks ?? []).every((c) => c.status === 'SUCCESS' || c.status === 'INFO');
