// How `tumnus-runtime` settles its configuration: flags > config file > environment > defaults,
// and what a malformed source produces. In-process: no database, no threads.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_DEFAULTS, resolveConfig } from '../runtime/index.js';
import { REPO_ROOT } from './support/child-process.js';

let dir: string;

async function configFile(name: string, source: string): Promise<string> {
  await writeFile(path.join(dir, name), source);
  return name;
}

/** The error `promise` rejects with. */
async function failure(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof Error)) throw new Error('expected a rejection');
  return error;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tumnus-config-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('resolveConfig', () => {
  it('applies the defaults when nothing is configured', async () => {
    const config = await resolveConfig({ cwd: dir, env: {} });

    expect(config).toMatchObject({
      mongoUri: undefined,
      handlersDir: path.join(dir, 'handlers'),
      concurrency: availableParallelism(),
      tasksPerThread: 1,
      graceMs: 10_000,
      logLevel: 'info',
      smtp: CONFIG_DEFAULTS.smtp,
      configFile: undefined,
    });
  });

  it('ranks flags over the config file over the environment', async () => {
    const file = await configFile(
      'ranked.config.ts',
      `export default { concurrency: 3, graceMs: 2000, handlersDir: 'jobs' };`,
    );
    const env = { TUMNUS_CONCURRENCY: '5', TUMNUS_GRACE_MS: '4000', TUMNUS_LOG_LEVEL: 'debug' };
    const config = await resolveConfig({ cwd: dir, env, configFile: file, flags: { graceMs: 1 } });

    expect(config).toMatchObject({ concurrency: 3, graceMs: 1, logLevel: 'debug' });
    // Relative paths in a file are the file's; the file sits in `dir`.
    expect(config.handlersDir).toBe(path.join(dir, 'jobs'));
    expect(config.configFile).toBe(path.join(dir, file));
  });

  it('ranks tasksPerThread like the other fields: flags, file, environment', async () => {
    const file = await configFile('tasks.config.ts', `export default { tasksPerThread: 8 };`);
    const env = { TUMNUS_TASKS_PER_THREAD: '4' };

    expect(await resolveConfig({ cwd: dir, env })).toMatchObject({ tasksPerThread: 4 });
    expect(await resolveConfig({ cwd: dir, env, configFile: file })).toMatchObject({
      tasksPerThread: 8,
    });
    const flagged = await resolveConfig({
      cwd: dir,
      env,
      configFile: file,
      flags: { tasksPerThread: 16 },
    });
    expect(flagged).toMatchObject({ tasksPerThread: 16 });
  });

  it('refuses a tasksPerThread that is not an integer from 1 to 1024', async () => {
    for (const tasksPerThread of [0, 1_025, 2.5]) {
      const error = await failure(resolveConfig({ cwd: dir, env: {}, flags: { tasksPerThread } }));
      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.message).toContain('the command-line flags');
      expect(error.message).toContain('config.tasksPerThread');
    }
    const fromEnv = await failure(
      resolveConfig({ cwd: dir, env: { TUMNUS_TASKS_PER_THREAD: 'abc' } }),
    );
    expect(fromEnv.code).toBe('CONFIG_INVALID');
    expect(fromEnv.message).toContain('TUMNUS_TASKS_PER_THREAD must be a positive integer');
  });

  it('merges smtp field by field, and reads TUMNUS_SMTP_URL', async () => {
    const file = await configFile(
      'smtp.config.ts',
      `export default { smtp: { from: 'Ops <ops@example.test>' } };`,
    );
    const env = { TUMNUS_SMTP_URL: 'smtps://mailer:s%40cret@127.0.0.1:4650' };
    const config = await resolveConfig({ cwd: dir, env, configFile: file });

    expect(config.smtp).toEqual({
      host: '127.0.0.1',
      port: 4650,
      secure: true,
      auth: { user: 'mailer', pass: 's@cret' },
      from: 'Ops <ops@example.test>',
    });
  });

  it('loads the repository tumnus.config.ts, which imports tumnus/runtime', async () => {
    const config = await resolveConfig({ cwd: REPO_ROOT, env: {} });

    expect(config.configFile).toBe(path.join(REPO_ROOT, 'tumnus.config.ts'));
    expect(config.handlersDir).toBe(path.join(REPO_ROOT, 'handlers'));
  });

  it('names the source and the field of a malformed value, with the cause', async () => {
    const file = await configFile('bad.config.ts', `export default { concurrency: 'lots' };`);
    const error = await failure(resolveConfig({ cwd: dir, env: {}, configFile: file }));

    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain(path.join(dir, file));
    expect(error.message).toContain('config.concurrency');
    expect((error.cause as { code?: string }).code).toBe('INVALID_ARGUMENT');
  });

  it('refuses unknown keys, a missing named file, and a file that throws', async () => {
    const typo = await configFile('typo.config.ts', `export default { concurency: 2 };`);
    const throws = await configFile('throws.config.ts', `throw new Error('config exploded');`);

    const unknown = await failure(resolveConfig({ cwd: dir, env: {}, configFile: typo }));
    expect(unknown.message).toContain('config.concurency is not a known option');

    const missing = await failure(resolveConfig({ cwd: dir, env: {}, configFile: 'nope.ts' }));
    expect(missing).toMatchObject({ code: 'CONFIG_INVALID' });

    const thrown = await failure(resolveConfig({ cwd: dir, env: {}, configFile: throws }));
    expect(thrown).toMatchObject({ code: 'CONFIG_INVALID' });
    expect((thrown.cause as Error).message).toBe('config exploded');
  });

  it('never repeats a password from a malformed TUMNUS_SMTP_URL or mongoUri', async () => {
    const smtp = await failure(
      resolveConfig({ cwd: dir, env: { TUMNUS_SMTP_URL: 'smtp://u:hunter2@[bad' } }),
    );
    const mongo = await failure(
      resolveConfig({ cwd: dir, env: {}, flags: { mongoUri: 'mysql://u:hunter2@host' } }),
    );

    for (const error of [smtp, mongo]) {
      expect(error.code).toBe('CONFIG_INVALID');
      expect(JSON.stringify({ message: error.message, cause: String(error.cause) })).not.toContain(
        'hunter2',
      );
    }
  });
});
