import { expect } from 'chai';
import { ClientTasks, TaskError } from '../../../src/runtime/relay/clientTasks.js';

const rejection = async (work: Promise<unknown>): Promise<unknown> =>
  work.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('ClientTasks (task-augmented requests an upstream makes of the gateway)', () => {
  let tasks: ClientTasks;
  beforeEach(() => {
    tasks = new ClientTasks();
  });
  afterEach(() => tasks.close());

  it('creates a working task at once and hands out its result with the related-task marker', async () => {
    let finish: (value: Record<string, unknown>) => void = () => undefined;
    const created = tasks.create(60_000, () => new Promise((resolve) => (finish = resolve)));
    const { taskId, status } = created.task as { taskId: string; status: string };
    expect(status).to.equal('working');
    expect(await tasks.handle('tasks/get', { taskId })).to.include({ taskId, status: 'working' });
    const result = tasks.handle('tasks/result', { taskId });
    finish({ action: 'accept', content: { name: 'x' } });
    expect(await result).to.deep.equal({
      action: 'accept',
      content: { name: 'x' },
      _meta: { 'io.modelcontextprotocol/related-task': { taskId } },
    });
    expect(await tasks.handle('tasks/get', { taskId })).to.include({ status: 'completed' });
    expect((await tasks.handle('tasks/list', {})).tasks).to.have.length(1);
  });

  it('cancels a working task (its relay is aborted) and reports a failed one as an error', async () => {
    let aborted = false;
    const { task } = tasks.create(undefined, (signal) => {
      return new Promise((_resolve, reject) =>
        signal.addEventListener('abort', () => {
          aborted = true;
          reject(new Error('aborted'));
        }),
      );
    }) as { task: { taskId: string } };
    expect(await tasks.handle('tasks/cancel', { taskId: task.taskId })).to.include({ status: 'cancelled' });
    expect(aborted).to.equal(true);
    const failed = tasks.create(undefined, async () => {
      throw Object.assign(new Error('client refused'), { code: -32601 });
    }) as { task: { taskId: string } };
    const error = await rejection(tasks.handle('tasks/result', { taskId: failed.task.taskId }));
    expect(error).to.be.instanceOf(TaskError).and.include({ code: -32601, message: 'client refused' });
  });

  it('answers an unknown task id with -32602', async () => {
    const error = await rejection(tasks.handle('tasks/get', { taskId: 'nope' }));
    expect(error).to.be.instanceOf(TaskError).and.include({ code: -32602 });
  });
});
