import { probeSandbox } from '../../src/runtime/sandbox/probe.js';
import { createSandbox, type Sandbox, type SandboxSettings } from '../../src/runtime/sandbox/sandbox.js';

export interface TestSandboxOptions {
  /** Never visible inside (the test gateway's data dir at least). */
  readonly hidden: readonly string[];
  readonly installRoots: readonly string[];
  readonly overrides?: Partial<SandboxSettings>;
}

/**
 * A real bubblewrap sandbox for tests, probed like main.ts does. A host where it cannot work fails
 * the test with bwrap's reason (CI installs bubblewrap) instead of silently skipping it.
 */
export async function testSandbox(options: TestSandboxOptions): Promise<Sandbox> {
  const probe = await probeSandbox({
    path: process.env.PATH ?? '/usr/bin:/bin',
    nodePath: process.execPath,
    bwrap: process.env.SANDBOX_BWRAP,
    uid: process.getuid?.() ?? -1,
    sandboxUid: 65534,
    sandboxGid: 65534,
  });
  if (!probe.ok) throw new Error(`sandbox tests need bubblewrap: ${probe.reason}`);
  return createSandbox({
    host: probe.host,
    hidden: options.hidden,
    installRoots: options.installRoots,
    serverLimits: { memoryMb: 1024, processes: 256, openFiles: 1024 },
    installerLimits: { memoryMb: 8192, processes: 2048, openFiles: 16_384 },
    serverTmpMb: 64,
    installerTmpMb: 1024,
    uid: 65534,
    gid: 65534,
    ...options.overrides,
  });
}
