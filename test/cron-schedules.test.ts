// Recurring schedules: each fire is created once however many supervisors run, and a fire
// missed while none ran is made up once, not in a burst.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import Tumnus, { ErrorCode } from '../sdk/index.js';
import { startProcess, type RunningProcess } from './support/child-process.js';
import { useTestDatabase } from './support/test-database.js';

const database = useTestDatabase();
let client: Tumnus;
let raw: MongoClient;
let handlersDir: string;

beforeAll(async () => {
  client = new Tumnus(database.uri);
  raw = await MongoClient.connect(database.uri);
  handlersDir = await mkdtemp(path.join(tmpdir(), 'tumnus-cron-'));
  await writeFile(
    path.join(handlersDir, 'Tick.ts'),
    'export default async () => ({ ticked: true });',
  );
});

afterAll(async () => {
  await client.close();
  await raw.close();
  await rm(handlersDir, { recursive: true, force: true });
});

function startSupervisor(): RunningProcess {
  return startProcess(
    process.execPath,
    ['dist/runtime/cli.js', 'start', '--mongo', database.uri, '--handlers', handlersDir],
    {},
  );
}

it('creates each fire once with two supervisors running', async () => {
  await client.taskParent.create({ name: 'Tick' });
  await client.taskParent.schedule('Tick', { name: 'everySecond', cron: '* * * * * *' });

  const supervisors = [startSupervisor(), startSupervisor()];
  try {
    await Promise.all(supervisors.map((s) => s.waitFor('runtime ready', 30_000)));
    await new Promise((resolve) => setTimeout(resolve, 4_000));
  } finally {
    await client.taskParent.unschedule('Tick', 'everySecond');
    expect(await Promise.all(supervisors.map((s) => s.stop()))).toEqual([0, 0]);
  }

  const tasks = await raw
    .db(database.dbName)
    .collection('tasks')
    .find({ parent: 'Tick' })
    .toArray();
  const fireTimes = tasks.map((t) => (t.runAt as Date).toISOString());
  expect(fireTimes.length).toBeGreaterThanOrEqual(3);
  expect(new Set(fireTimes).size).toBe(fireTimes.length);
  expect(tasks.filter((t) => t.status === 'succeeded').length).toBeGreaterThanOrEqual(2);
}, 60_000);

it('makes up only the latest fire missed while no supervisor ran', async () => {
  await client.taskParent.create({ name: 'Digest' });
  await client.taskParent.schedule('Digest', {
    name: 'daily',
    cron: '0 8 * * *',
    timezone: 'Europe/Berlin',
  });
  // As if the schedule had been created three days ago and nothing ran since.
  const threeDaysAgo = new Date(Date.now() - 3 * 24 * 60 * 60 * 1000);
  await raw
    .db(database.dbName)
    .collection('schedules')
    .updateOne({ _id: 'Digest:daily' as never }, { $set: { createdAt: threeDaysAgo } });

  const supervisor = startSupervisor();
  try {
    await supervisor.waitFor('runtime ready', 30_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
  } finally {
    await supervisor.stop();
  }

  const tasks = await raw
    .db(database.dbName)
    .collection('tasks')
    .find({ parent: 'Digest' })
    .toArray();
  expect(tasks).toHaveLength(1);
  const runAt = tasks[0]!.runAt as Date;
  // 08:00 in Berlin is 07:00 UTC in winter, 06:00 UTC in summer.
  expect([6, 7]).toContain(runAt.getUTCHours());
  expect(Date.now() - runAt.getTime()).toBeLessThan(24 * 60 * 60 * 1000);
  const [schedule] = await client.taskParent.schedules('Digest');
  expect(schedule?.lastFireAt?.getTime()).toBe(runAt.getTime());
}, 60_000);

it('refuses invalid schedules', async () => {
  const attempts = [
    { name: 'bad', cron: 'every day' },
    { name: 'bad', cron: '* * * * *', timezone: 'Mars/Olympus' },
    { name: 'bad name', cron: '* * * * *' },
  ];
  for (const options of attempts) {
    const error = (await client.taskParent.schedule('Tick', options).catch((e: unknown) => e)) as {
      code: string;
    };
    expect([ErrorCode.InvalidArgument, ErrorCode.InvalidParentName]).toContain(error.code);
  }
  const missing = (await client.taskParent
    .schedule('NoSuchParent', { name: 'x', cron: '* * * * *' })
    .catch((e: unknown) => e)) as { code: string };
  expect(missing.code).toBe(ErrorCode.ParentNotFound);
});
