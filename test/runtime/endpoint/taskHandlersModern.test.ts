import { expect } from 'chai';
import { TaskControl } from '../../fixtures/taskFixtures.js';
import { envelope, modernHeaders, postMcp } from '../../support/mcpClient.js';
import type { TestGateway } from '../../support/testGateway.js';
import { startTaskGateway, type TaskGateway } from './taskGateway.js';

const EXT = 'io.modelcontextprotocol/tasks';
type Json = Record<string, unknown>;
const textOf = (r: unknown): string =>
  ((r as { content: { text: string }[] }).content[0] as { text: string }).text;

describe('tools as tasks through /mcp (2026-07-28)', function () {
  this.timeout(60_000);
  let gw: TestGateway;
  let started: TaskGateway;
  const control = new TaskControl();
  const tokens: Record<string, string> = {};

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
    started = await startTaskGateway(control);
    gw = started.gw;
    Object.assign(tokens, started.tokens);
  });
  after(async () => {
    await started.close();
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
