import { expect } from 'chai';
import { TaskError } from '../../../src/runtime/relay/clientTasks.js';
import { GatewayTasks, type TaskOutcome, type TaskRun } from '../../../src/runtime/relay/gatewayTasks.js';

/** A task body the test finishes by hand; `started` resolves with its TaskRun. */
function controlled(): {
  run: (task: TaskRun) => Promise<TaskOutcome>;
  started: Promise<TaskRun>;
  finish: (outcome: TaskOutcome) => void;
} {
  let finish: (outcome: TaskOutcome) => void = () => undefined;
  let begin: (task: TaskRun) => void = () => undefined;
  const started = new Promise<TaskRun>((resolve) => (begin = resolve));
  const run = (task: TaskRun): Promise<TaskOutcome> => {
    begin(task);
    return new Promise<TaskOutcome>((resolve) => (finish = resolve));
  };
  return { run, started, finish: (o) => finish(o) };
}

const refused = (fn: () => unknown): TaskError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof TaskError) return error;
    throw error;
  }
  throw new Error('expected a TaskError');
};

describe('GatewayTasks', () => {
  let tasks: GatewayTasks;
  afterEach(() => tasks.close());

  it('binds every task to its user: another user gets the unknown-task error', () => {
    tasks = new GatewayTasks();
    const { taskId } = tasks.create('ann', undefined, controlled().run);
    const foreign = refused(() => tasks.get('bob', taskId));
    const madeUp = refused(() => tasks.get('bob', 'no-such-task'));
    expect(foreign.code).to.equal(madeUp.code).and.equal(-32602);
    expect(foreign.message).to.equal(`Unknown task: ${taskId}`);
    expect(refused(() => tasks.update('bob', taskId, {})).message).to.equal(`Unknown task: ${taskId}`);
    expect(tasks.list('bob', undefined).tasks).to.deep.equal([]);
    expect(refused(() => tasks.get('ann', undefined)).message).to.equal('taskId is required');
  });

  it('clamps the requested ttl to the maximum and uses the default without one', () => {
    tasks = new GatewayTasks({ defaultTtlMs: 1_000, maxTtlMs: 5_000 });
    expect(tasks.create('ann', 60_000, controlled().run).ttlMs).to.equal(5_000);
    expect(tasks.create('ann', undefined, controlled().run).ttlMs).to.equal(1_000);
    expect(tasks.create('ann', 2_500.7, controlled().run).ttlMs).to.equal(2_500);
  });

  it('holds at most maxPerUser tasks per user: a finished one makes room, all running refuses', async () => {
    tasks = new GatewayTasks({ maxPerUser: 2 });
    const first = controlled();
    const a = tasks.create('ann', undefined, first.run);
    tasks.create('ann', undefined, controlled().run);
    expect(refused(() => tasks.create('ann', undefined, controlled().run)).code).to.equal(-32600);
    // Another user is not limited by ann's tasks.
    tasks.create('bob', undefined, controlled().run);
    first.finish({ result: { content: [] } });
    await tasks.result('ann', a.taskId, new AbortController().signal);
    const c = tasks.create('ann', undefined, controlled().run);
    expect(tasks.list('ann', undefined).tasks.map((t) => t.taskId))
      .to.include(c.taskId)
      .and.not.include(a.taskId);
  });

  it('pages tasks/list with a cursor', () => {
    tasks = new GatewayTasks();
    const ids = [1, 2, 3].map(() => tasks.create('ann', undefined, controlled().run).taskId);
    const first = tasks.list('ann', undefined, 2);
    expect(first.tasks.map((t) => t.taskId)).to.deep.equal(ids.slice(0, 2));
    const second = tasks.list('ann', first.nextCursor, 2);
    expect(second.tasks.map((t) => t.taskId)).to.deep.equal(ids.slice(2));
    expect(second.nextCursor).to.equal(undefined);
    expect(refused(() => tasks.list('ann', 'bogus')).code).to.equal(-32602);
  });

  it('keeps a task in input_required until every request is answered (partial tasks/update)', async () => {
    tasks = new GatewayTasks();
    const body = controlled();
    const { taskId } = tasks.create('ann', undefined, body.run);
    const run = await body.started;
    const answers = run.ask({ a: { method: 'elicitation/create' }, b: { method: 'elicitation/create' } });
    expect(tasks.get('ann', taskId).view.status).to.equal('input_required');
    tasks.update('ann', taskId, { a: { action: 'accept' } });
    expect(tasks.get('ann', taskId).inputRequests).to.have.keys('b');
    tasks.update('ann', taskId, { b: { action: 'decline' } });
    expect(await answers).to.deep.equal({ a: { action: 'accept' }, b: { action: 'decline' } });
    expect(tasks.get('ann', taskId).view.status).to.equal('working');
  });

  it('cancels a running task (its signal aborts) and reports a finished one as not running', async () => {
    tasks = new GatewayTasks();
    const body = controlled();
    const { taskId } = tasks.create('ann', undefined, body.run);
    const run = await body.started;
    const first = await tasks.cancel('ann', taskId);
    expect(first).to.deep.include({ wasRunning: true });
    expect(first.view.status).to.equal('cancelled');
    expect(run.signal.aborted).to.equal(true);
    expect((await tasks.cancel('ann', taskId)).wasRunning).to.equal(false);
  });

  it('drops a task when its ttl runs out, cancelling a call still running', async () => {
    tasks = new GatewayTasks();
    const body = controlled();
    const { taskId } = tasks.create('ann', 30, body.run);
    const run = await body.started;
    await new Promise((resolve) => run.signal.addEventListener('abort', resolve, { once: true }));
    expect(refused(() => tasks.get('ann', taskId)).message).to.equal(`Unknown task: ${taskId}`);
  });

  it('holds a 2025 question in input_required until a tasks/result waits to carry it', async () => {
    tasks = new GatewayTasks();
    const body = controlled();
    const { taskId } = tasks.create('ann', undefined, body.run);
    const run = await body.started;
    const answer = run.send('elicitation/create', { message: 'Who?' }, new AbortController().signal);
    expect(tasks.get('ann', taskId).view.status).to.equal('input_required');
    const carried: string[] = [];
    const waiting = tasks.result('ann', taskId, new AbortController().signal, async (method) => {
      carried.push(method);
      return { action: 'accept' };
    });
    expect(await answer).to.deep.equal({ action: 'accept' });
    expect(carried).to.deep.equal(['elicitation/create']);
    expect(tasks.get('ann', taskId).view.status).to.equal('working');
    body.finish({ result: { content: [] } });
    expect((await waiting).view.status).to.equal('completed');
  });
});
