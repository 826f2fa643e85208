import { startTestGateway, type TestGateway, type TestGatewayOptions } from './testGateway.js';

/** The gateway of one describe block; `gw` is the running one. */
export interface GatewayHook {
  /**
   * The running gateway. A test may set it to a replacement (say, after `gw.stop()`, one started on the same
   * data dir): the hook closes whichever is set last.
   */
  gw: TestGateway;
}

/**
 * A test gateway for the calling describe block, started before its tests (`'suite'`, the default) or before
 * each test (`'test'`), and closed after them.
 */
export function useTestGateway(
  options: TestGatewayOptions = {},
  per: 'suite' | 'test' = 'suite',
): GatewayHook {
  let current: TestGateway | undefined;
  const start = async (): Promise<void> => {
    current = await startTestGateway(options);
  };
  const close = async (): Promise<void> => {
    await current?.close();
    current = undefined;
  };
  if (per === 'test') {
    beforeEach(start);
    afterEach(close);
  } else {
    before(start);
    after(close);
  }
  return {
    get gw(): TestGateway {
      if (!current)
        throw new Error('the test gateway is not running (outside the describe block that uses it)');
      return current;
    },
    set gw(replacement: TestGateway) {
      current = replacement;
    },
  };
}
