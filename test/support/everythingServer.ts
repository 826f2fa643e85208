import { fileURLToPath } from 'node:url';
import { startTestGateway, waitForStatus, type TestGateway } from './testGateway.js';

/** server-everything, run the way most users run it: a stdio child of the gateway. */
export const EVERYTHING = fileURLToPath(
  new URL('../../../node_modules/@modelcontextprotocol/server-everything/dist/index.js', import.meta.url),
);

/** A test gateway with server-everything registered as `everything` (stdio) and connected. */
export async function gatewayWithEverything(): Promise<TestGateway> {
  const gw = await startTestGateway();
  await gw.request('POST', '/mcp/servers', {
    name: 'everything',
    transportType: 'stdio',
    command: process.execPath,
    args: [EVERYTHING, 'stdio'],
    env: {},
  });
  await waitForStatus(gw, 'everything', ['connected'], 30_000);
  return gw;
}
