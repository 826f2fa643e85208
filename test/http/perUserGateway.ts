import { startTestGateway, type TestGateway, type TestGatewayOptions } from '../support/testGateway.js';

type Data = { content: Array<{ type: string; text: string }>; isError?: boolean };
/** The text of a tool call answer's first content item. */
export const output = (body: Record<string, unknown>): string => (body.data as Data).content[0]!.text;
export type Processes = { count: number; limit: number; states: Array<{ status: string; pid?: number }> };
export const processesOf = (server: Record<string, unknown>): Processes =>
  server.perUserProcesses as Processes;

type Answer = Awaited<ReturnType<TestGateway['request']>>;

/**
 * For tests that each start their own gateway: `start` starts it (closed after the test), and the calls
 * below go to it, to the fixture server "peruser" unless another server is named.
 */
export interface PerUserGateway {
  start(options?: TestGatewayOptions): Promise<TestGateway>;
  call(
    username: string,
    methodName: string,
    args?: Record<string, unknown>,
    serverName?: string,
  ): Promise<Answer>;
  setSecret(username: string, secretName: string, secretValue: string, serverName?: string): Promise<Answer>;
  /** The server as GET /mcp/servers/:name shows it to an admin. */
  server(name?: string): Promise<Record<string, unknown>>;
  /** The environment the user's process runs with (the fixture's get_env tool). */
  envOf(username: string): Promise<Record<string, string>>;
}

export function usePerUserGateway(): PerUserGateway {
  let gw: TestGateway | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });
  const live = (): TestGateway => {
    if (!gw) throw new Error('no gateway: the test has not called start()');
    return gw;
  };
  const call: PerUserGateway['call'] = (username, methodName, args = {}, serverName = 'peruser') =>
    live().request('POST', '/mcp/tool/call', { username, serverName, methodName, args });
  return {
    start: async (options) => (gw = await startTestGateway(options)),
    call,
    setSecret: (username, secretName, secretValue, serverName = 'peruser') =>
      live().request('POST', '/secrets/set', { username, serverName, secretName, secretValue }),
    server: async (name = 'peruser') =>
      (await live().request('GET', `/mcp/servers/${name}`)).body.server as Record<string, unknown>,
    envOf: async (username) =>
      JSON.parse(output((await call(username, 'get_env')).body)) as Record<string, string>,
  };
}
