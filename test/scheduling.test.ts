// runAt and delay: a task never starts before its time by the database clock; bad times are
// refused at send.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Tumnus, { ErrorCode } from '../sdk/index.js';
import { useTestDatabase } from './support/test-database.js';

const database = useTestDatabase();
let client: Tumnus;
const startedAt = new Map<string, number>();

beforeAll(async () => {
  client = new Tumnus(database.uri);
  await client.taskParent.create({ name: 'Later' });
  const responder = client.tasks.parent('Later').on('created', (task) => {
    startedAt.set(task.id!, Date.now());
    return { status: 'success' };
  });
  await responder.ready;
});

afterAll(async () => {
  await client.close();
});

describe('runAt', () => {
  it('runs a past runAt promptly', async () => {
    const sentAt = Date.now();
    const result = await new client.Task('Later').send(
      {},
      { runAt: new Date(Date.now() - 60_000), waitForComplete: true, timeoutMs: 10_000 },
    );
    expect(result.status).toBe('success');
    expect(startedAt.get(result.taskId)! - sentAt).toBeLessThan(2_000);
  });

  it('does not start a task before its runAt', async () => {
    const runAt = new Date(Date.now() + 1_500);
    const result = await new client.Task('Later').send(
      {},
      { runAt, waitForComplete: true, timeoutMs: 10_000 },
    );
    // Same machine, so local time is a fair witness; the claimer's estimate of the database
    // clock is only as exact as half a round trip of its sample, hence a few ms of slack.
    expect(startedAt.get(result.taskId)!).toBeGreaterThanOrEqual(runAt.getTime() - 25);
  });

  it('honours delay', async () => {
    const sentAt = Date.now();
    const result = await new client.Task('Later').send(
      {},
      { delay: 800, waitForComplete: true, timeoutMs: 10_000 },
    );
    expect(startedAt.get(result.taskId)! - sentAt).toBeGreaterThanOrEqual(790);
  });

  it.each([
    ['an invalid date', { runAt: new Date('nope') }],
    ['a date before 1970', { runAt: new Date(-1) }],
    ['an absurd future date', { runAt: new Date('2999-01-01') }],
    ['a string', { runAt: '2030-01-01' }],
    ['runAt with delay', { runAt: new Date(), delay: 5 }],
    ['a negative delay', { delay: -5 }],
  ])('refuses %s', async (_what, options) => {
    const error = (await new client.Task('Later')
      .send({}, options as never)
      .catch((e: unknown) => e)) as {
      code: string;
    };
    expect(error.code).toBe(ErrorCode.InvalidArgument);
  });
});
