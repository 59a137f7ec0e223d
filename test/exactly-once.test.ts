// Four responder processes compete for 1,000 tasks: each task is answered exactly once.
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import Tumnus from '../sdk/index.js';
import { startTsProcess, type RunningProcess } from './support/child-process.js';
import { useTestDatabase } from './support/test-database.js';

const database = useTestDatabase();
const TASKS = 1_000;
const RESPONDERS = 4;

let client: Tumnus | undefined;
const responders: RunningProcess[] = [];

afterAll(async () => {
  await Promise.all(responders.map((r) => r.stop()));
  await client?.close();
});

it('delivers each of 1,000 tasks to exactly one of 4 responder processes', async () => {
  client = new Tumnus(database.uri);
  await client.taskParent.create({ name: 'Charge' });
  const dir = mkdtempSync(join(tmpdir(), 'tumnus-once-'));

  for (let i = 0; i < RESPONDERS; i++) {
    responders.push(
      startTsProcess('test/fixtures/responder-process.ts', {
        TUMNUS_URI: database.uri,
        PARENT: 'Charge',
        SIDE_EFFECTS: join(dir, `responder-${i}.log`),
        CONCURRENCY: '16',
      }),
    );
  }
  await Promise.all(responders.map((r) => r.waitFor('responder ready')));

  const { Task } = client;
  const results = await Promise.all(
    Array.from({ length: TASKS }, (_, n) =>
      new Task('Charge').send({ n }, { waitForComplete: true }),
    ),
  );

  expect(results.every((r) => r.status === 'success')).toBe(true);
  const sentIds = new Set(results.map((r) => r.taskId));
  expect(sentIds.size).toBe(TASKS);

  const handled = responders.flatMap((_, i) => {
    const file = join(dir, `responder-${i}.log`);
    return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : [];
  });
  const handledIds = handled.map((line) => line.split(' ')[0]);
  expect(handledIds).toHaveLength(TASKS);
  expect(new Set(handledIds)).toEqual(sentIds);

  // The work really was shared: more than one process answered.
  const pids = new Set(results.map((r) => (r.payload as { pid: number }).pid));
  expect(pids.size).toBeGreaterThan(1);
}, 120_000);
