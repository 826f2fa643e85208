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
import { TaskControl } from '../../fixtures/taskFixtures.js';
import { connectMcp, connectMcpV2, type McpTestClient } from '../../support/mcpClient.js';
import type { TestGateway } from '../../support/testGateway.js';
import { startTaskGateway, type TaskGateway } from './taskGateway.js';

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

describe('tools as tasks through /mcp (2025-11-25)', function () {
  this.timeout(60_000);
  let gw: TestGateway;
  let started: TaskGateway;
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
  before(async () => {
    started = await startTaskGateway(control);
    gw = started.gw;
    Object.assign(tokens, started.tokens);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  after(async () => {
    await started.close();
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
});
