// close() while the database is unreachable still lets the process exit: no renewal timer or
// sweep keeps running after the responder that owned it is closed.
import { afterAll, beforeAll, expect, it } from 'vitest';
import Tumnus from '../sdk/index.js';
import { startTsProcess, type RunningProcess } from './support/child-process.js';
import { startDelayProxy, type DelayProxy } from './support/delay-proxy.js';
import { useTestDatabase } from './support/test-database.js';

const database = useTestDatabase();
let client: Tumnus;
let proxy: DelayProxy;
let child: RunningProcess | undefined;

beforeAll(async () => {
  client = new Tumnus(database.uri);
  await client.taskParent.create({ name: 'Offline', leaseMs: 600 });
  proxy = await startDelayProxy(database.uri, 0);
});

afterAll(async () => {
  await child?.stop('SIGKILL');
  await proxy.close();
  await client.close();
});

it('exits after close() with a task held and the database gone', async () => {
  child = startTsProcess('test/fixtures/close-while-offline.ts', {
    TUMNUS_URI: proxy.uri,
    PARENT: 'Offline',
  });
  await child.waitFor('responder ready');
  const handle = await new client.Task('Offline').send({});
  await child.waitFor(`claimed ${handle.id}`);

  await proxy.close();
  child.child.kill('SIGUSR2');
  await child.waitFor('close', 30_000);

  const exited = await Promise.race([
    child.exited.then(() => true),
    new Promise((resolve) => setTimeout(() => resolve(false), 10_000)),
  ]);
  expect(exited, child.output()).toBe(true);
});
