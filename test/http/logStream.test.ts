import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { waitFor } from '../runtime/processTestUtils.js';
import { suiteCanaries } from '../support/suiteCanaries.js';
import { fixtureServer, startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';

interface SseEvent {
  readonly event: string;
  readonly id?: string;
  readonly data: Record<string, unknown>;
}

/** A live reader of one event stream: collects events until closed or the server ends it. */
interface Follower {
  readonly events: SseEvent[];
  readonly status: number;
  ended: boolean;
  close(): void;
}

async function follow(
  gw: TestGateway,
  name: string,
  headers: Record<string, string> = {},
): Promise<Follower> {
  const abort = new AbortController();
  const res = await fetch(`${gw.url}/mcp/servers/${name}/logs/stream`, {
    headers: { authorization: `Bearer ${gw.adminToken}`, accept: 'text/event-stream', ...headers },
    signal: abort.signal,
  });
  const follower: Follower = { events: [], status: res.status, ended: false, close: () => abort.abort() };
  const read = async (): Promise<void> => {
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const fields = new Map<string, string>();
        for (const line of buffer.slice(0, end).split('\n')) {
          const at = line.indexOf(': ');
          if (at > 0) fields.set(line.slice(0, at), line.slice(at + 2));
        }
        buffer = buffer.slice(end + 2);
        const data = fields.get('data');
        if (data === undefined) continue;
        const id = fields.get('id');
        const event = {
          event: fields.get('event') ?? 'message',
          data: JSON.parse(data) as Record<string, unknown>,
        };
        follower.events.push(id === undefined ? event : { ...event, id });
      }
    }
  };
  read().then(
    () => (follower.ended = true),
    () => (follower.ended = true),
  );
  return follower;
}

const lines = (f: Follower): string[] =>
  f.events.filter((e) => e.event === 'log').map((e) => String(e.data.line));

describe('GET /mcp/servers/:name/logs/stream', function () {
  this.timeout(30_000);
  let gw: TestGateway;
  const followers: Follower[] = [];
  const open = async (name: string, headers?: Record<string, string>): Promise<Follower> => {
    const f = await follow(gw, name, headers);
    followers.push(f);
    return f;
  };
  const logLine = async (name: string, message: string): Promise<void> => {
    const call = { serverName: name, methodName: 'log_stderr', args: { message } };
    const res = await gw.request('POST', '/mcp/tool/call', call);
    expect(res.status, res.text).to.equal(200);
  };

  before(async () => {
    gw = await startTestGateway();
    await gw.request('POST', '/mcp/servers', fixtureServer('talker'));
    await waitForStatus(gw, 'talker', ['connected']);
  });
  after(async () => {
    for (const f of followers) f.close();
    await gw.close();
  });

  it('sends the buffered lines, then each new line as it is written', async () => {
    await logLine('talker', 'before-follow-line');
    const f = await open('talker');
    expect(f.status).to.equal(200);
    await waitFor(() => lines(f).some((l) => l.includes('before-follow-line')), 'buffered line');
    await logLine('talker', 'after-follow-line');
    await waitFor(() => lines(f).some((l) => l.includes('after-follow-line')), 'live line');
    const ids = f.events.filter((e) => e.event === 'log').map((e) => e.id);
    expect(new Set(ids).size, 'every line has its own id').to.equal(ids.length);
  });

  it('resumes after Last-Event-ID with only the later lines', async () => {
    const first = await open('talker');
    await logLine('talker', 'resume-mark-1');
    await waitFor(() => lines(first).some((l) => l.includes('resume-mark-1')), 'mark 1');
    const lastId = first.events.filter((e) => e.event === 'log').at(-1)!.id!;
    first.close();
    await logLine('talker', 'resume-mark-2');
    const again = await open('talker', { 'last-event-id': lastId });
    await waitFor(() => lines(again).some((l) => l.includes('resume-mark-2')), 'mark 2');
    expect(lines(again).some((l) => l.includes('resume-mark-1'))).to.equal(false);
    expect(again.events.some((e) => e.event === 'reset')).to.equal(false);
  });

  it('starts over with a reset when the id is from another generation of the server', async () => {
    const f = await open('talker', { 'last-event-id': 'deadbeef-3' });
    await waitFor(() => f.events.some((e) => e.event === 'reset'), 'reset');
    expect(f.events[0]!.event).to.equal('reset');
    expect(lines(f).some((l) => l.includes('before-follow-line'))).to.equal(true);
  });

  it('streams secrets redacted', async () => {
    const canary = `LOGSTREAM-CANARY-${randomUUID()}`;
    suiteCanaries.add(canary, gw.dataDir);
    const f = await open('talker');
    const secret = { username: 'alice', serverName: 'talker', secretName: 'message', secretValue: canary };
    await gw.request('POST', '/secrets/set', secret);
    const call = { username: 'alice', serverName: 'talker', methodName: 'log_stderr', args: {} };
    expect((await gw.request('POST', '/mcp/tool/call', call)).status).to.equal(200);
    await waitFor(() => lines(f).some((l) => l.includes('[redacted]')), 'redacted line');
    expect(JSON.stringify(f.events)).to.not.include(canary);
  });

  it('answers the held lines as JSON to a client that does not ask for a stream', async () => {
    const res = await gw.request('GET', '/mcp/servers/talker/logs/stream');
    expect(res.status).to.equal(200);
    const logs = res.body.logs as Array<{ id: string; line: string }>;
    expect(logs.some((l) => l.line.includes('before-follow-line'))).to.equal(true);
    expect(logs[0]!.id).to.match(/^[0-9a-f]+-\d+$/);
  });

  it('is refused to a user token and answers 404 for an unknown server', async () => {
    const { token } = await gw.issueToken('alice');
    expect(
      (await gw.request('GET', '/mcp/servers/talker/logs/stream', undefined, { token })).status,
    ).to.equal(403);
    expect((await gw.request('GET', '/mcp/servers/nobody/logs/stream')).status).to.equal(404);
  });

  it('ends the stream when the server is deleted', async () => {
    await gw.request('POST', '/mcp/servers', fixtureServer('goner'));
    const f = await open('goner');
    await gw.request('DELETE', '/mcp/servers/goner');
    await waitFor(() => f.ended, 'stream end');
    expect(f.events.at(-1)).to.deep.include({ event: 'end', data: { reason: 'deleted' } });
  });
});
