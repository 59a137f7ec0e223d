// The seed's three scripts, for real: create the parent, answer from a responder in another
// process, send and wait for the result.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Tumnus from '../sdk/index.js';
import { startTsProcess, type RunningProcess } from './support/child-process.js';
import { useTestDatabase } from './support/test-database.js';

const database = useTestDatabase();

describe('seed flow', () => {
  let client: Tumnus;
  let responder: RunningProcess;

  beforeAll(async () => {
    client = new Tumnus(database.uri);
    const parent = await client.taskParent.create({ name: 'SendEmail' });
    expect(parent).toMatchObject({ name: 'SendEmail', maxAttempts: 3 });

    responder = startTsProcess('test/fixtures/responder-process.ts', {
      TUMNUS_URI: database.uri,
      PARENT: 'SendEmail',
    });
    await responder.waitFor('responder ready');
  });

  afterAll(async () => {
    expect(await responder.stop()).toBe(0);
    await client.close();
  });

  it('resolves with success when the responder answers success', async () => {
    const task = new client.Task<{ to: string }, { echoed: unknown; pid: number }>('SendEmail');
    const result = await task.send({ to: 'contact@organization.com' }, { waitForComplete: true });

    expect(result.status).toBe('success');
    expect(result.payload?.echoed).toEqual({ to: 'contact@organization.com' });
    expect(result.payload?.pid).toBe(responder.child.pid);
    expect(result.taskId).toBe(task.id);
    expect(result.attempts).toBe(1);
  });

  it('resolves (not rejects) with failed when the responder answers failed', async () => {
    const result = await new client.Task('SendEmail').send(
      { to: 'broken@organization.com', fail: true },
      { waitForComplete: true },
    );

    expect(result.status).toBe('failed');
    expect(result.payload).toEqual({ error: 'this account is failing' });
    expect(result.taskStatus).toBe('failed');
    expect(result.attempts).toBe(1);
  });

  it('lists and reads the created parent', async () => {
    expect((await client.taskParent.list()).map((p) => p.name)).toContain('SendEmail');
    expect(await client.taskParent.get('SendEmail')).toMatchObject({ name: 'SendEmail' });
    expect(await client.taskParent.get('Missing')).toBeNull();
  });

  it('lets a bare Task use the most recent open client', async () => {
    const { Task } = await import('../sdk/index.js');
    const result = await new Task('SendEmail').send({ bare: true }, { waitForComplete: true });
    expect(result.status).toBe('success');
  });
});
