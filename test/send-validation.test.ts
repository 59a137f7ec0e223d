// Bad input is refused with a typed error, and nothing is written.
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MongoClient } from 'mongodb';
import Tumnus, { ErrorCode, TumnusError } from '../sdk/index.js';
import { useTestDatabase } from './support/test-database.js';

const database = useTestDatabase();
let client: Tumnus;
let raw: MongoClient;

beforeAll(async () => {
  client = new Tumnus(database.uri);
  await client.taskParent.create({ name: 'Known' });
  raw = await MongoClient.connect(database.uri);
});

afterAll(async () => {
  await client.close();
  await raw.close();
});

async function taskCount(): Promise<number> {
  return raw.db(database.dbName).collection('tasks').countDocuments();
}

async function rejection(promise: Promise<unknown>): Promise<TumnusError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TumnusError);
  return error as TumnusError;
}

describe('send', () => {
  it('refuses a task for a parent that does not exist and writes nothing', async () => {
    const error = await rejection(new client.Task('Missing').send({ hello: 'world' }));
    expect(error.code).toBe(ErrorCode.ParentNotFound);
    expect(error.message).toContain('Missing');
    expect(await taskCount()).toBe(0);
  });

  it.each([
    ['a function', { f: () => 1 }],
    ['a symbol', { s: Symbol('x') }],
    ['a BigInt', { b: 10n }],
    ['a class instance', { m: new Map() }],
    ['NaN', { n: Number.NaN }],
    ['a $-prefixed key', { $where: 'x' }],
  ])('refuses a payload holding %s', async (_what, payload) => {
    const error = await rejection(new client.Task('Known').send(payload));
    expect(error.code).toBe(ErrorCode.PayloadNotStorable);
    expect(await taskCount()).toBe(0);
  });

  it('refuses a cyclic payload', async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const error = await rejection(new client.Task('Known').send(cyclic));
    expect(error.code).toBe(ErrorCode.PayloadNotStorable);
    expect(error.message).toContain('cycle');
  });

  it('refuses a payload over the size limit', async () => {
    const error = await rejection(
      new client.Task('Known').send({ big: 'x'.repeat(8 * 1024 * 1024) }),
    );
    expect(error.code).toBe(ErrorCode.PayloadTooLarge);
    expect(await taskCount()).toBe(0);
  });

  it.each([
    [{ waitForComplete: 'yes' }, 'options.waitForComplete'],
    [{ timeoutMs: -1 }, 'options.timeoutMs'],
    [{ timeoutMs: Number.NaN }, 'options.timeoutMs'],
    [{ wait: true }, 'options.wait'],
  ])('refuses invalid options %j naming the field', async (options, field) => {
    const error = await rejection(new client.Task('Known').send({}, options as never));
    expect(error.code).toBe(ErrorCode.InvalidArgument);
    expect(error.message).toContain(field);
    expect(await taskCount()).toBe(0);
  });

  it('refuses to send the same Task object twice', async () => {
    const task = new client.Task('Known');
    await task.send({ once: true });
    const error = await rejection(task.send({ twice: true }));
    expect(error.code).toBe(ErrorCode.TaskStateInvalid);
  });
});

describe('parent names', () => {
  it.each(['', 'x'.repeat(65), '$bad', 'a.b', 'nul\0', '__proto__', '../etc', 'a/b', '1abc'])(
    'refuses %j',
    (name) => {
      expect(() => new client.Task(name)).toThrowError(
        expect.objectContaining({ code: ErrorCode.InvalidParentName }),
      );
    },
  );

  it('refuses a bad name at parent creation', async () => {
    const error = await rejection(client.taskParent.create({ name: 'a b' }));
    expect(error.code).toBe(ErrorCode.InvalidParentName);
  });
});

describe('client options', () => {
  it('refuses a malformed URI without echoing credentials', () => {
    expect(() => new Tumnus('postgres://user:secret@host')).toThrowError(
      expect.objectContaining({ code: ErrorCode.InvalidUri }),
    );
  });

  it('reports an unreachable server as CONNECTION_FAILED with credentials redacted', async () => {
    const unreachable = new Tumnus({
      uri: 'mongodb://alice:s3cret@127.0.0.1:1/?directConnection=true',
      serverSelectionTimeoutMs: 500,
    });
    try {
      const error = await rejection(unreachable.taskParent.list());
      expect(error.code).toBe(ErrorCode.ConnectionFailed);
      expect((await rejection(unreachable.connect())).code).toBe(ErrorCode.ConnectionFailed);
      expect(error.message).not.toContain('s3cret');
      expect(error.message).toContain('***@127.0.0.1:1');
    } finally {
      await unreachable.close();
    }
  });
});

describe('credentials', () => {
  it('never shows the URI password when a client or handle is logged or serialised', async () => {
    const secret = new Tumnus({
      uri: 'mongodb://alice:s3cret@127.0.0.1:1/?directConnection=true',
      serverSelectionTimeoutMs: 200,
    });
    try {
      const handle = secret.tasks.handle('0123456789abcdef01234567');
      const task = new secret.Task('Known');
      for (const value of [secret, handle, task, secret.taskParent, secret.tasks]) {
        expect(inspect(value, { depth: 20, showHidden: true })).not.toContain('s3cret');
        expect(JSON.stringify(value) ?? '').not.toContain('s3cret');
      }
    } finally {
      await secret.close();
    }
  });

  it('never shows secrets passed as URI options in errors or logs', async () => {
    const uri =
      'mongodb://127.0.0.1:1/?directConnection=true&tlsCertificateKeyFilePassword=k3ypass' +
      '&authMechanismProperties=AWS_SESSION_TOKEN:t0ken&appName=shown';
    const secret = new Tumnus({ uri, serverSelectionTimeoutMs: 200 });
    try {
      const error = await rejection(new secret.Task('Known').send({}));
      const shown = `${error.message} ${inspect(secret)} ${JSON.stringify(secret)}`;
      expect(shown).not.toMatch(/k3ypass|t0ken/);
      expect(shown).toContain('appName=shown');
    } finally {
      await secret.close();
    }
  });
});
