import type { TestGateway } from './testGateway.js';

/** Body for POST /mcp/servers registering a remote (Streamable HTTP) server. */
export function remoteServer(
  name: string,
  url: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { name, transportType: 'streamable_http', url, ...extra };
}

export interface CallOutcome {
  readonly status: number;
  readonly text: string;
  readonly body: Record<string, unknown>;
  /** The first text content of a successful call. */
  readonly output?: string | undefined;
}

export async function call(
  gw: TestGateway,
  serverName: string,
  methodName: string,
  args: Record<string, unknown> = {},
  username?: string,
): Promise<CallOutcome> {
  const res = await gw.request('POST', '/mcp/tool/call', {
    serverName,
    methodName,
    args,
    ...(username ? { username } : {}),
  });
  const data = res.body.data as { content?: Array<{ text?: string }> } | undefined;
  return { status: res.status, text: res.text, body: res.body, output: data?.content?.[0]?.text };
}

/** A clock tests move by hand; the gateway and the test authorization server share it. */
export class ManualClock {
  private nowMs = Date.parse('2030-01-01T00:00:00Z');
  readonly now = (): Date => new Date(this.nowMs);
  advance(ms: number): void {
    this.nowMs += ms;
  }
}
