/**
 * The npm package tests' setup: a local npm registry holding the fixture package at 1.0.0 for one describe
 * block, and a fresh gateway that installs from it for each test (a temp HOME, canary secrets in its env).
 */
import { npmFixtureFiles } from './fixturePackages.js';
import { LocalNpmRegistry } from './localNpmRegistry.js';
import { packageTestEnv } from './packageTestUtils.js';
import { startTestGateway, type TestGateway } from './testGateway.js';

export interface NpmPackageGateway {
  readonly registry: LocalNpmRegistry;
  /** The current test's gateway. */
  readonly gw: TestGateway;
  /** Version 2.0.0 appears in the registry (once); tests that upgrade call it, whatever ran before. */
  publishV2(): Promise<void>;
}

/** Installs the before/after hooks of one describe block; the returned object reads the current test's. */
export function useNpmPackageGateway(): NpmPackageGateway {
  let registry: LocalNpmRegistry;
  let gw: TestGateway;
  let cleanupHome: () => Promise<void>;
  let v2: Promise<void> | undefined;

  before(async () => {
    registry = await LocalNpmRegistry.start();
    await registry.publish(npmFixtureFiles('1.0.0'));
  });
  after(async () => {
    await registry.close();
  });
  beforeEach(async () => {
    const { env, cleanup } = await packageTestEnv();
    cleanupHome = cleanup;
    gw = await startTestGateway({ parentEnv: env, packages: { npmRegistry: registry.url } });
  });
  afterEach(async () => {
    registry.release();
    await gw.close();
    await cleanupHome();
  });

  return {
    get registry() {
      return registry;
    },
    get gw() {
      return gw;
    },
    publishV2: () => (v2 ??= registry.publish(npmFixtureFiles('2.0.0'))),
  };
}
