// handlers/SendEmail.ts against a real SMTP server on loopback: what it delivers, and what the
// sender learns when delivery fails (refused connection, refused recipient, bad payload).
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import sendEmail, { options, resolveSmtpSettings } from '../handlers/SendEmail.js';
import type { SendEmailContext } from '../handlers/SendEmail.js';
import { startLocalSmtpServer, type LocalSmtpServer } from '../examples/smtp-server.js';

/** A loopback port nothing listens on: bound once by us, then released. */
async function closedLoopbackPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function recordingContext(): SendEmailContext & { entries: unknown[] } {
  const entries: unknown[] = [];
  return { entries, log: { debug: (message, fields) => entries.push({ message, ...fields }) } };
}

function taskOf(payload: unknown) {
  return { id: 'test-task', parent: 'SendEmail', payload, attempt: 1 };
}

describe('SendEmail handler called directly', () => {
  let smtp: LocalSmtpServer;

  beforeAll(async () => {
    smtp = await startLocalSmtpServer({ port: 0, rejectRecipients: /^refused@/ });
  });

  afterAll(async () => {
    await smtp.close();
  });

  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('delivers the payload to the configured SMTP server', async () => {
    vi.stubEnv('TUMNUS_SMTP_URL', `smtp://127.0.0.1:${smtp.port}`);
    vi.stubEnv('TUMNUS_SMTP_FROM', 'Sender <sender@localhost>');

    const result = await sendEmail(
      taskOf({ to: 'contact@organization.com', subject: 'Hi', body: '<div>Hello world!</div>' }),
      recordingContext(),
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
    vi.stubEnv('TUMNUS_SMTP_URL', `smtp://127.0.0.1:${smtp.port}`);
    const before = smtp.messages.length;

    for (const payload of [{ body: 'x' }, { to: 'not-an-address' }, { to: [] }, 'to@x.y']) {
      await expect(sendEmail(taskOf(payload), recordingContext())).rejects.toMatchObject({
        code: 'EMAIL_PAYLOAD_INVALID',
        retryable: false,
      });
    }
    await expect(
      sendEmail(taskOf({ to: 'a@b.c', html: '<p>typo</p>' }), recordingContext()),
    ).rejects.toThrow('payload.html is not a field');
    expect(smtp.messages.length).toBe(before);
  });

  it('fails fast and retryably with ECONNREFUSED when the server is down', async () => {
    const port = await closedLoopbackPort();
    vi.stubEnv('TUMNUS_SMTP_URL', `smtp://127.0.0.1:${port}`);
    const startedAt = Date.now();

    const failure = await sendEmail(taskOf({ to: 'a@b.c' }), recordingContext()).catch(
      (error: unknown) => error,
    );

    expect(failure).toMatchObject({ code: 'ECONNREFUSED', retryable: true });
    expect((failure as Error).message).toContain(`127.0.0.1:${port}`);
    expect(Date.now() - startedAt).toBeLessThan(5_000);
  });

  it('marks a permanent rejection (5xx) as not retryable', async () => {
    vi.stubEnv('TUMNUS_SMTP_URL', `smtp://127.0.0.1:${smtp.port}`);

    await expect(
      sendEmail(taskOf({ to: 'refused@organization.com' }), recordingContext()),
    ).rejects.toMatchObject({ retryable: false, responseCode: 550 });
  });

  it('keeps credentials out of errors and log fields', async () => {
    const port = await closedLoopbackPort();
    vi.stubEnv('TUMNUS_SMTP_URL', `smtp://mailer:s3cret-pass@127.0.0.1:${port}`);
    const ctx = recordingContext();

    const failure = await sendEmail(taskOf({ to: 'a@b.c' }), ctx).catch((error: unknown) => error);

    expect((failure as Error).message).not.toContain('s3cret-pass');
    expect(JSON.stringify(ctx.entries)).not.toContain('s3cret-pass');
    expect(ctx.entries).not.toHaveLength(0);
  });

  it('says what to configure when no SMTP server is set', async () => {
    vi.stubEnv('TUMNUS_SMTP_URL', '');

    await expect(sendEmail(taskOf({ to: 'a@b.c' }), recordingContext())).rejects.toMatchObject({
      code: 'SMTP_NOT_CONFIGURED',
      retryable: false,
    });
  });

  it('reads host, port, TLS and credentials from TUMNUS_SMTP_URL', () => {
    expect(
      resolveSmtpSettings(undefined, {
        TUMNUS_SMTP_URL: 'smtps://user%40x:p%3Ass@127.0.0.1',
        TUMNUS_SMTP_FROM: 'a@b.c',
      }),
    ).toEqual({
      host: '127.0.0.1',
      port: 465,
      secure: true,
      auth: { user: 'user@x', pass: 'p:ss' },
      from: 'a@b.c',
    });
    expect(() => resolveSmtpSettings(undefined, { TUMNUS_SMTP_URL: 'http://127.0.0.1' })).toThrow(
      'must start with smtp:// or smtps://',
    );
  });

  it('exports a retry policy that outlasts its own SMTP timeouts', () => {
    expect(options).toEqual({ maxAttempts: 3, backoffMs: 1_000, timeoutMs: 30_000 });
  });
});
