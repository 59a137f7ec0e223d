// A repeated send with the same idempotency key creates one task and gets the same result.
import { afterAll, beforeAll, expect, it } from 'vitest';
import Tumnus from '../sdk/index.js';
import { useTestDatabase } from './support/test-database.js';

const database = useTestDatabase();
let client: Tumnus;
let runs = 0;

beforeAll(async () => {
  client = new Tumnus(database.uri);
  await client.taskParent.create({ name: 'Charge' });
  await client.taskParent.create({ name: 'Refund' });
  const responder = client.tasks.parent('Charge').on('created', (task) => {
    runs += 1;
    return { status: 'success', payload: { charged: task.payload, run: runs } };
  });
  await responder.ready;
});

afterAll(async () => {
  await client.close();
});

it('returns the first task and its result for a repeated key', async () => {
  const first = await new client.Task('Charge').send(
    { cents: 100 },
    { idempotencyKey: 'order-1', waitForComplete: true },
  );
  const again = await new client.Task('Charge').send(
    { cents: 100 },
    { idempotencyKey: 'order-1', waitForComplete: true },
  );

  expect(again.taskId).toBe(first.taskId);
  expect(again.payload).toEqual(first.payload);
  expect(runs).toBe(1);
});

it('creates one task for 20 concurrent duplicates', async () => {
  const handles = await Promise.all(
    Array.from({ length: 20 }, () =>
      new client.Task('Charge').send({ cents: 5 }, { idempotencyKey: 'order-2' }),
    ),
  );
  expect(new Set(handles.map((h) => h.id)).size).toBe(1);
  const result = await handles[0]!.result({ timeoutMs: 10_000 });
  expect(result.status).toBe('success');
});

it('scopes keys to their parent', async () => {
  const charge = await new client.Task('Charge').send({}, { idempotencyKey: 'shared' });
  const refund = await new client.Task('Refund').send({}, { idempotencyKey: 'shared' });
  expect(refund.id).not.toBe(charge.id);
});
