import { buildLegacyTaskServer, type TaskControl } from '../../fixtures/taskFixtures.js';
import { startRemoteMcpServer, type RemoteMcpServer } from '../../fixtures/remoteMcpServer.js';
import { remoteServer } from '../../support/remote.js';
import { startTestGateway, waitForStatus, type TestGateway } from '../../support/testGateway.js';
import { RELAYED_CAPABILITIES } from '../relay/relayUpstreams.js';

/** A gateway in front of a Streamable HTTP upstream with task-capable tools (`tasky`), and a token per user. */
export interface TaskGateway {
  readonly gw: TestGateway;
  readonly upstream: RemoteMcpServer;
  readonly tokens: Record<string, string>;
  close(): Promise<void>;
}

/** Both eras' task tests start the same gateway: the upstream's tasks are driven by `control`. */
export async function startTaskGateway(control: TaskControl, users = ['ann', 'bob']): Promise<TaskGateway> {
  const gw = await startTestGateway({ upstreamCapabilities: RELAYED_CAPABILITIES });
  const upstream = await startRemoteMcpServer({
    mode: 'streamable',
    build: () => buildLegacyTaskServer(control),
  });
  await gw.request('POST', '/mcp/servers', remoteServer('tasky', upstream.url));
  await waitForStatus(gw, 'tasky', ['connected']);
  const tokens: Record<string, string> = {};
  for (const who of users) tokens[who] = (await gw.issueToken(who)).token;
  return {
    gw,
    upstream,
    tokens,
    async close() {
      await gw.close();
      await upstream.close();
    },
  };
}
