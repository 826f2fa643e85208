import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  CallToolResultSchema,
  CreateTaskResultSchema,
  GetTaskResultSchema,
  McpError,
  TaskStatusNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { StandardSchemaV1 } from '@modelcontextprotocol/client';
import { expect } from 'chai';
import { buildLegacyTaskServer, TaskControl } from '../../fixtures/taskFixtures.js';
import { startRemoteMcpServer, type RemoteMcpServer } from '../../fixtures/remoteMcpServer.js';
import {
  connectMcp,
  connectMcpV2,
  envelope,
  modernHeaders,
  postMcp,
  type McpTestClient,
} from '../../support/mcpClient.js';
import { remoteServer } from '../../support/remote.js';
import { startTestGateway, waitForStatus, type TestGateway } from '../../support/testGateway.js';
import { RELAYED_CAPABILITIES } from '../relay/relayUpstreams.js';

const EXT = 'io.modelcontextprotocol/tasks';
/** The v2 client has no schema for task results: they pass as objects. */
const ANY: StandardSchemaV1<Record<string, unknown>> = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate: (value: unknown) => ({ value: value as Record<string, unknown> }),
  },
};
type Json = Record<string, unknown>;
const textOf = (r: unknown): string =>
  ((r as { content: { text: string }[] }).content[0] as { text: string }).text;

/** The code and message a v1 client request was refused with. */
async function refusal(p: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await p;
  } catch (error) {
    if (error instanceof McpError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a JSON-RPC error');
}

describe('tools as tasks through /mcp', function () {
  this.timeout(60_000);
  let gw: TestGateway;
  let upstream: RemoteMcpServer;
  const control = new TaskControl();
  const clients: McpTestClient[] = [];
  const tokens: Record<string, string> = {};

  const legacy = async (who: string): Promise<Client> => {
    const c = await connectMcp(gw, { token: tokens[who]! });
    clients.push(c);
    return c.client;
  };
  const createTask = async (client: Client, tool: string, tag: string): Promise<string> => {
    const params = { name: `tasky__${tool}`, arguments: { tag }, task: { ttl: 60_000 } };
    const created = await client.request({ method: 'tools/call', params }, CreateTaskResultSchema);
    return created.task.taskId;
  };

  /** One 2026-07-28 request as a raw POST (the v2 client does not take `resultType: "task"`). */
  let seq = 100;
  const modern = async (who: string, method: string, params: Json, extension = true): Promise<Json> => {
    const capabilities = { elicitation: { form: {} }, ...(extension ? { extensions: { [EXT]: {} } } : {}) };
    const meta = envelope('2026-07-28', { 'io.modelcontextprotocol/clientCapabilities': capabilities });
    const name = method === 'tools/call' ? String(params.name) : String(params.taskId ?? '');
    const res = await postMcp(
      gw,
      { jsonrpc: '2.0', id: ++seq, method, params: { ...params, _meta: meta } },
      { token: tokens[who]!, headers: modernHeaders(method, name || undefined) },
    );
    const lines = res.text.split('\n').filter((l) => l.startsWith('data:'));
    return JSON.parse(lines.length > 0 ? lines[lines.length - 1]!.slice(5) : res.text) as Json;
  };
  /** Polls tasks/get (the protocol's own way) until `done` holds, within a bound. */
  const pollUntil = async (who: string, taskId: string, done: (t: Json) => boolean): Promise<Json> => {
    for (let i = 0; i < 400; i++) {
      const answer = await modern(who, 'tasks/get', { taskId });
      const task = answer.result as Json;
      if (done(task)) return task;
      await new Promise((r) => setTimeout(r, Number(task.pollIntervalMs ?? 25) / 10));
    }
    throw new Error(`task ${taskId} never reached the expected state`);
  };

  before(async () => {
    gw = await startTestGateway({ upstreamCapabilities: RELAYED_CAPABILITIES });
    upstream = await startRemoteMcpServer({
      mode: 'streamable',
      build: () => buildLegacyTaskServer(control),
    });
    await gw.request('POST', '/mcp/servers', remoteServer('tasky', upstream.url));
    await waitForStatus(gw, 'tasky', ['connected']);
    for (const who of ['ann', 'bob']) tokens[who] = (await gw.issueToken(who)).token;
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  describe('2025-11-25 (task-augmented tools/call)', () => {
    it('advertises tasks for tools/call with list and cancel', async () => {
      const client = await legacy('ann');
      expect(client.getServerCapabilities()?.tasks).to.deep.include({ list: {}, cancel: {} });
      expect(client.getServerCapabilities()?.tasks?.requests?.tools?.call).to.deep.equal({});
    });

    it('answers CreateTaskResult at once; tasks/get polls it; tasks/result waits for the result', async () => {
      const client = await legacy('ann');
      const statuses: string[] = [];
      let completed = (): void => undefined;
      const notified = new Promise<void>((resolve) => (completed = resolve));
      client.setNotificationHandler(TaskStatusNotificationSchema, (n) => {
        statuses.push(n.params.status);
        if (n.params.status === 'completed') completed();
      });
      const params = { name: 'tasky__gate', arguments: { tag: 'g1' }, task: { ttl: 60_000 } };
      const created = await client.request({ method: 'tools/call', params }, CreateTaskResultSchema);
      expect(created.task).to.include({ status: 'working', ttl: 60_000 });
      expect(created.task.pollInterval).to.be.a('number');
      const id = created.task.taskId;
      expect((await client.experimental.tasks.getTask(id)).status).to.equal('working');
      const waiting = client.experimental.tasks.getTaskResult(id, CallToolResultSchema);
      control.open('g1');
      const result = await waiting;
      expect(textOf(result)).to.equal('opened g1');
      expect(result._meta?.['io.modelcontextprotocol/related-task']).to.deep.equal({ taskId: id });
      expect((await client.experimental.tasks.getTask(id)).status).to.equal('completed');
      await notified;
      expect(statuses).to.include('completed');
    });

    it('cancels a running task and its upstream call; a finished task cannot be cancelled', async () => {
      const client = await legacy('ann');
      const id = await createTask(client, 'gate', 'g2');
      const cancelled = await client.experimental.tasks.cancelTask(id);
      expect(cancelled.status).to.equal('cancelled');
      await control.whenCancelled('g2');
      const again = await refusal(client.experimental.tasks.cancelTask(id));
      expect(again.code).to.equal(-32602);
      expect(again.message).to.match(/already cancelled/);
      const result = await refusal(client.experimental.tasks.getTaskResult(id, CallToolResultSchema));
      expect(result.message).to.match(/cancelled/);
    });

    it("answers a failed call's JSON-RPC error from tasks/result", async () => {
      const client = await legacy('ann');
      const id = await createTask(client, 'oops', 'o1');
      const error = await refusal(client.experimental.tasks.getTaskResult(id, CallToolResultSchema));
      expect(error.code).to.equal(-32050);
      expect(error.message).to.match(/oops o1/);
      expect((await client.experimental.tasks.getTask(id)).status).to.equal('failed');
    });

    it("carries the upstream's questions on the stream of a waiting tasks/result", async () => {
      const { token } = await gw.issueToken('zed');
      const c = await connectMcpV2(gw, 'legacy', { token, capabilities: { elicitation: { form: {} } } });
      try {
        const asked: unknown[] = [];
        c.client.setRequestHandler('elicitation/create', async (request) => {
          asked.push(request.params._meta);
          return { action: 'accept', content: { name: 'zed' } };
        });
        const params = { name: 'tasky__ask', arguments: {}, task: { ttl: 60_000 } };
        const created = (await c.client.request({ method: 'tools/call', params }, ANY)) as { task: Json };
        const taskId = String(created.task.taskId);
        const result = await c.client.request({ method: 'tasks/result', params: { taskId } }, ANY);
        expect(textOf(result)).to.equal('asked {"name":"zed"}');
        expect(asked[0]).to.deep.include({ 'io.modelcontextprotocol/related-task': { taskId } });
      } finally {
        await c.close();
      }
    });

    it('refuses a task for a tool that does not declare task support', async () => {
      const client = await legacy('ann');
      const error = await refusal(createTask(client, 'plain', 'p1'));
      expect(error.code).to.equal(-32602);
      expect(error.message).to.match(/cannot run as a task/);
    });

    it('answers an unknown or missing taskId with -32602, never a hang', async () => {
      const client = await legacy('ann');
      const unknown = await refusal(client.experimental.tasks.getTask('made-up'));
      expect(unknown).to.deep.include({ code: -32602 });
      expect(unknown.message).to.match(/Unknown task: made-up/);
      const missing = await refusal(client.request({ method: 'tasks/get', params: {} }, GetTaskResultSchema));
      expect(missing.code).to.equal(-32602);
      expect(missing.message).to.match(/taskId is required/);
    });

    it("never shows one user's task to another: same error as an unknown id, not listed", async () => {
      const ann = await legacy('ann');
      const bob = await legacy('bob');
      const id = await createTask(ann, 'gate', 'g3');
      const bobs = await createTask(bob, 'quick', 'b1');
      const expected = { code: -32602, message: `Unknown task: ${id}` };
      const strip = (e: { code: number; message: string }) => ({
        code: e.code,
        message: e.message.replace(/^MCP error -?\d+: /, ''),
      });
      expect(strip(await refusal(bob.experimental.tasks.getTask(id)))).to.deep.equal(expected);
      expect(
        strip(await refusal(bob.experimental.tasks.getTaskResult(id, CallToolResultSchema))),
      ).to.deep.equal(expected);
      expect(strip(await refusal(bob.experimental.tasks.cancelTask(id)))).to.deep.equal(expected);
      const bobList = (await bob.experimental.tasks.listTasks()).tasks.map((t) => t.taskId);
      expect(bobList).to.include(bobs).and.not.include(id);
      const annList = (await ann.experimental.tasks.listTasks()).tasks.map((t) => t.taskId);
      expect(annList).to.include(id).and.not.include(bobs);
      expect((await ann.experimental.tasks.cancelTask(id)).status).to.equal('cancelled');
    });

    it('audits the call a task runs like any call', async () => {
      const client = await legacy('bob');
      const id = await createTask(client, 'quick', 'audited');
      expect(textOf(await client.experimental.tasks.getTaskResult(id, CallToolResultSchema))).to.equal(
        'quick audited',
      );
      const deadline = Date.now() + 10_000;
      for (;;) {
        const res = await gw.request('GET', '/audit/calls?username=bob&limit=1000');
        const calls = (res.body.calls ?? []) as { username: string; target: string }[];
        if (calls.some((c) => c.target.includes('quick'))) break;
        if (Date.now() > deadline) throw new Error(`no audit record for the task's call: ${res.text}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    });
  });

  describe('2026-07-28 (io.modelcontextprotocol/tasks extension)', () => {
    it('makes a task for a client that declared the extension; tasks/get inlines the result', async () => {
      const created = (await modern('ann', 'tools/call', { name: 'tasky__gate', arguments: { tag: 'm1' } }))
        .result as Json;
      expect(created).to.include({ resultType: 'task', status: 'working' });
      expect(created).to.not.have.property('task');
      expect(created.ttlMs).to.be.a('number');
      expect(created.pollIntervalMs).to.be.a('number');
      const id = String(created.taskId);
      const working = (await modern('ann', 'tasks/get', { taskId: id })).result as Json;
      expect(working).to.include({ taskId: id, status: 'working' }).and.not.have.property('result');
      control.open('m1');
      const done = await pollUntil('ann', id, (t) => t.status === 'completed');
      expect(textOf(done.result)).to.equal('opened m1');
    });

    it('runs the call plainly for a client without the extension', async () => {
      const answer = (
        await modern('ann', 'tools/call', { name: 'tasky__quick', arguments: { tag: 'x' } }, false)
      ).result as Json;
      expect(answer.resultType).to.equal('complete');
      expect(textOf(answer)).to.equal('quick x');
    });

    it("parks a task in input_required with the upstream's question; tasks/update answers it", async () => {
      const created = (await modern('ann', 'tools/call', { name: 'tasky__ask', arguments: {} }))
        .result as Json;
      const id = String(created.taskId);
      const asking = await pollUntil('ann', id, (t) => t.status === 'input_required');
      const [key, request] = Object.entries(asking.inputRequests as Json)[0]!;
      expect((request as Json).method).to.equal('elicitation/create');
      const ack = await modern('ann', 'tasks/update', {
        taskId: id,
        inputResponses: { [key]: { action: 'accept', content: { name: 'ann' } } },
      });
      expect(ack.result, JSON.stringify(ack)).to.deep.include({ resultType: 'complete' });
      expect(ack.result).to.not.have.any.keys('taskId', 'status');
      const done = await pollUntil('ann', id, (t) => t.status === 'completed');
      expect(textOf(done.result)).to.equal('asked {"name":"ann"}');
    });

    it('cancels with an empty ack (upstream too), also for a task that has ended', async () => {
      const created = (await modern('ann', 'tools/call', { name: 'tasky__gate', arguments: { tag: 'm2' } }))
        .result as Json;
      const id = String(created.taskId);
      expect((await modern('ann', 'tasks/cancel', { taskId: id })).result).to.deep.include({
        resultType: 'complete',
      });
      await control.whenCancelled('m2');
      expect(((await modern('ann', 'tasks/get', { taskId: id })).result as Json).status).to.equal(
        'cancelled',
      );
      expect((await modern('ann', 'tasks/cancel', { taskId: id })).result).to.deep.include({
        resultType: 'complete',
      });
    });

    it('reports a JSON-RPC error as a failed task with the error inline', async () => {
      const created = (await modern('ann', 'tools/call', { name: 'tasky__oops', arguments: { tag: 'm3' } }))
        .result as Json;
      const failed = await pollUntil('ann', String(created.taskId), (t) => t.status === 'failed');
      expect(failed.error).to.deep.include({ code: -32050 });
      expect(failed).to.not.have.property('result');
    });

    it('refuses task methods without the extension (-32021) and unknown or foreign ids (-32602)', async () => {
      const created = (await modern('ann', 'tools/call', { name: 'tasky__gate', arguments: { tag: 'm4' } }))
        .result as Json;
      const id = String(created.taskId);
      const without = (await modern('ann', 'tasks/get', { taskId: id }, false)).error as Json;
      expect(without.code).to.equal(-32021);
      const foreign = (await modern('bob', 'tasks/get', { taskId: id })).error as Json;
      expect(foreign).to.deep.include({ code: -32602, message: `Unknown task: ${id}` });
      for (const method of ['tasks/update', 'tasks/cancel']) {
        const error = (await modern('bob', method, { taskId: id, inputResponses: {} })).error as Json;
        expect(error).to.deep.include({ code: -32602, message: `Unknown task: ${id}` });
      }
      const madeUp = (await modern('bob', 'tasks/get', { taskId: 'made-up' })).error as Json;
      expect(madeUp).to.deep.include({ code: -32602, message: 'Unknown task: made-up' });
      expect(((await modern('ann', 'tasks/get', { taskId: id })).result as Json).status).to.equal('working');
      await modern('ann', 'tasks/cancel', { taskId: id });
      await control.whenCancelled('m4');
    });
  });
});
