// handlers/SendEmail.ts against a real SMTP server on loopback: what it delivers, and what the
// sender learns when delivery fails (refused connection, refused recipient, bad payload) — first
// called directly, then run by `tumnus-runtime start` in its own process, as in production.
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HandlerContext, HandlerTask, SmtpConfig } from 'tumnus/runtime';
import sendEmail, { options, type SendEmailResult } from '../handlers/SendEmail.js';
import { startLocalSmtpServer, type LocalSmtpServer } from '../examples/smtp-server.js';
import Tumnus from '../sdk/index.js';
import { startProcess, type RunningProcess } from './support/child-process.js';
import { useTestDatabase } from './support/test-database.js';

const database = useTestDatabase();

/** A loopback port nothing listens on: bound once by us, then released. */
async function closedLoopbackPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface RecordingContext extends HandlerContext {
  entries: Record<string, unknown>[];
}

/** The `ctx` a pool thread would pass, minus the supervisor: log lines are kept in `entries`. */
function contextFor(smtp: Partial<SmtpConfig>): RecordingContext {
  const entries: Record<string, unknown>[] = [];
  const record = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    entries.push({ level, message, ...fields });
  };
  return {
    entries,
    signal: new AbortController().signal,
    log: {
      trace: record('trace'),
      debug: record('debug'),
      info: record('info'),
      warn: record('warn'),
      error: record('error'),
    },
    heartbeat: () => Promise.resolve(true),
    progress: () => Promise.resolve(),
    config: {
      smtp: { host: '127.0.0.1', port: 2525, secure: false, from: 'Tumnus <t@localhost>', ...smtp },
    },
  };
}

function taskOf(payload: unknown): HandlerTask {
  return {
    id: 'test-task',
    parent: 'SendEmail',
    payload,
    attempt: 1,
    maxAttempts: 3,
    createdAt: new Date(),
  };
}

describe('SendEmail handler called directly', () => {
  let smtp: LocalSmtpServer;
  let local: () => RecordingContext;

  beforeAll(async () => {
    smtp = await startLocalSmtpServer({ port: 0, rejectRecipients: /^refused@/ });
    local = () => contextFor({ port: smtp.port });
  });

  afterAll(async () => {
    await smtp.close();
  });

  it('delivers the payload to the configured SMTP server', async () => {
    const ctx = contextFor({ port: smtp.port, from: 'Sender <sender@localhost>' });

    const result = await sendEmail(
      taskOf({ to: 'contact@organization.com', subject: 'Hi', body: '<div>Hello world!</div>' }),
      ctx,
    );

    expect(result.accepted).toEqual(['contact@organization.com']);
    expect(result.rejected).toEqual([]);
    expect(result.response).toMatch(/^250 /);
    const email = smtp.messages.at(-1);
    expect(email).toMatchObject({
      from: 'sender@localhost',
      to: ['contact@organization.com'],
      subject: 'Hi',
    });
    expect(email?.headers['message-id']).toBe(result.messageId);
    expect(email?.body).toContain('<div>Hello world!</div>');
  });

  it('refuses a payload without a valid recipient, not retryable, sending nothing', async () => {
    const before = smtp.messages.length;

    for (const payload of [{ body: 'x' }, { to: 'not-an-address' }, { to: [] }, 'to@x.y']) {
      await expect(sendEmail(taskOf(payload), local())).rejects.toMatchObject({
        code: 'EMAIL_PAYLOAD_INVALID',
        retryable: false,
      });
    }
    await expect(sendEmail(taskOf({ to: 'a@b.c', html: '<p>typo</p>' }), local())).rejects.toThrow(
      'payload.html is not a field',
    );
    expect(smtp.messages.length).toBe(before);
  });

  it('fails fast and retryably with ECONNREFUSED when the server is down', async () => {
    const port = await closedLoopbackPort();
    const startedAt = Date.now();

    const failure = await sendEmail(taskOf({ to: 'a@b.c' }), contextFor({ port })).catch(
      (error: unknown) => error,
    );

    expect(failure).toMatchObject({ code: 'ECONNREFUSED', retryable: true });
    expect((failure as Error).message).toContain(`127.0.0.1:${port}`);
    expect(Date.now() - startedAt).toBeLessThan(5_000);
  });

  it('marks a permanent rejection (5xx) as not retryable', async () => {
    await expect(
      sendEmail(taskOf({ to: 'refused@organization.com' }), local()),
    ).rejects.toMatchObject({ retryable: false, responseCode: 550 });
  });

  it('keeps credentials out of errors and log lines', async () => {
    const port = await closedLoopbackPort();
    const ctx = contextFor({ port, auth: { user: 'mailer', pass: 's3cret-pass' } });

    const failure = await sendEmail(taskOf({ to: 'a@b.c' }), ctx).catch((error: unknown) => error);

    expect((failure as Error).message).not.toContain('s3cret-pass');
    expect(ctx.entries).not.toHaveLength(0);
    expect(JSON.stringify(ctx.entries)).not.toContain('s3cret-pass');
  });

  it('exports a retry policy that outlasts its own SMTP timeouts', () => {
    expect(options).toEqual({ maxAttempts: 3, backoffMs: 1_000, timeoutMs: 30_000 });
  });
});

describe('SendEmail handler run by tumnus-runtime', () => {
  let smtp: LocalSmtpServer;
  let runtime: RunningProcess;
  let client: Tumnus;

  beforeAll(async () => {
    smtp = await startLocalSmtpServer({ port: 0, rejectRecipients: /^refused@/ });
    runtime = startProcess(
      process.execPath,
      ['dist/runtime/cli.js', 'start', '--mongo', database.uri, '--handlers', 'handlers'],
      { TUMNUS_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, TUMNUS_CONCURRENCY: '2' },
    );
    await runtime.waitFor('runtime ready', 60_000);
    client = new Tumnus(database.uri);
  });

  afterAll(async () => {
    await client?.close();
    expect(await runtime?.stop()).toBe(0);
    await smtp?.close();
  });

  function send(payload: unknown) {
    return new client.Task<unknown, SendEmailResult>('SendEmail').send(payload, {
      waitForComplete: true,
      timeoutMs: 30_000,
    });
  }

  it('delivers a real email and answers success with its message id', async () => {
    const result = await send({
      to: 'contact@organization.com',
      subject: 'Hello',
      body: '<div>Hello world!</div>',
    });

    expect(result).toMatchObject({ status: 'success', attempts: 1 });
    expect(result.payload?.accepted).toEqual(['contact@organization.com']);
    const email = smtp.messages.find((m) => m.headers['message-id'] === result.payload?.messageId);
    expect(email?.to).toEqual(['contact@organization.com']);
    expect(email?.body).toContain('<div>Hello world!</div>');
  });

  it('fails at once, without retries, when the server refuses the recipient for good', async () => {
    const result = await send({ to: 'refused@organization.com', body: 'x' });

    expect(result).toMatchObject({ status: 'failed', attempts: 1 });
    expect(result.payload).toMatchObject({ error: { message: expect.stringContaining('550') } });
  });

  it('answers failed with ECONNREFUSED, after retrying, once SMTP is down', async () => {
    await smtp.close();

    const result = await send({ to: 'contact@organization.com', body: 'never delivered' });

    expect(result).toMatchObject({ status: 'failed', attempts: options.maxAttempts });
    expect(result.payload).toMatchObject({
      error: { code: 'ECONNREFUSED', message: expect.stringContaining('ECONNREFUSED') },
    });
    expect(result.failures.map((failure) => failure.code)).toEqual(
      Array(options.maxAttempts).fill('ECONNREFUSED'),
    );
  });
});
