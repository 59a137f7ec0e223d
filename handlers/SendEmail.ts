/**
 * The `SendEmail` handler: delivers a task's payload as a real email through SMTP (nodemailer).
 *
 * Payload: `{ to, subject?, body?, text?, from? }` — `to` is one address or a list, `body` is
 * HTML, `text` the plain-text part. Result: `{ messageId, accepted, rejected, response }`.
 *
 * The SMTP server is the runtime's `smtp` setting, handed over as `ctx.config.smtp` (from
 * `tumnus.config.ts`, or `TUMNUS_SMTP_URL` / `TUMNUS_SMTP_FROM`; default 127.0.0.1:2525, where
 * `npx tsx examples/smtp-server.ts` listens).
 *
 * A failed delivery throws, so the attempt fails and is retried with backoff; permanent
 * rejections (SMTP 5xx, a bad payload) are thrown with `retryable: false`. The error's `code` is
 * the most specific one known (`ECONNREFUSED` rather than nodemailer's generic `ESOCKET`) because
 * it reaches the sender in the failed result's payload.
 */
import nodemailer from 'nodemailer';
import type { SMTPTransportOptions } from 'nodemailer';
import type { HandlerContext, HandlerOptions, HandlerTask, SmtpConfig } from 'tumnus/runtime';

// LIMITATION: delivery is at least once. If the server accepted the message but the attempt
// still failed (lease lost, time limit, thread crash right after DATA), the retry sends the email
// again; SMTP has no idempotency key to prevent it.
/** The retry policy the runtime applies to this parent's tasks. */
export const options = Object.freeze({
  maxAttempts: 3,
  backoffMs: 1_000,
  // Above the SMTP timeouts below, so a hung server fails the attempt through them first.
  timeoutMs: 30_000,
} satisfies HandlerOptions);

// A dead or silent server must fail the attempt in seconds, not nodemailer's default minutes.
const SMTP_TIMEOUTS = Object.freeze({
  connectionTimeout: 5_000,
  greetingTimeout: 5_000,
  socketTimeout: 20_000,
});

const PAYLOAD_KEYS: readonly string[] = ['to', 'subject', 'body', 'text', 'from'];
// Deliberately loose: the SMTP server is the authority on addresses; this only catches input
// that cannot be an address at all, or that would smuggle extra header lines.
const ADDRESS_PATTERN = /^[^\s@<>,;]+@[^\s@<>,;]+$/;

export interface SendEmailPayload {
  to: string | string[];
  subject?: string;
  /** HTML body. */
  body?: string;
  /** Plain-text body. */
  text?: string;
  from?: string;
}

export interface SendEmailResult {
  messageId: string;
  accepted: string[];
  rejected: string[];
  response: string;
}

/** Raised by this handler; `code` and `retryable` travel into the task's failure record. */
export class SendEmailError extends Error {
  override name = 'SendEmailError';
  readonly code: string;
  readonly retryable: boolean;
  readonly responseCode: number | undefined;

  constructor(
    code: string,
    message: string,
    details: { retryable: boolean; responseCode?: number; cause?: unknown },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.retryable = details.retryable;
    this.responseCode = details.responseCode;
  }
}

export default async function sendEmail(
  task: HandlerTask,
  ctx: HandlerContext,
): Promise<SendEmailResult> {
  const payload = parsePayload(task.payload);
  const smtp = ctx.config.smtp;
  ctx.log.debug('email sending', {
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    recipients: [payload.to].flat().length,
  });

  // LIMITATION: one SMTP connection per email, no pooling; a pool per worker thread would save
  // the handshake, but it would have to outlive tasks and close with its thread.
  const transport = nodemailer.createTransport(transportOptions(smtp));
  try {
    const info = await transport.sendMail({
      from: payload.from ?? smtp.from,
      to: payload.to,
      subject: payload.subject,
      html: payload.body,
      text: payload.text,
      signal: ctx.signal,
    });
    // Some recipients refused, others accepted: the email went out, so this is a success and
    // `rejected` tells the sender who did not get it.
    ctx.log.debug('email sent', { messageId: info.messageId, rejected: info.rejected.length });
    return {
      messageId: info.messageId,
      accepted: info.accepted.map(String),
      rejected: info.rejected.map(String),
      response: info.response,
    };
  } catch (error) {
    throw toSendEmailError(error, smtp);
  } finally {
    transport.close();
  }
}

function transportOptions(smtp: SmtpConfig): SMTPTransportOptions {
  return {
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    ...(smtp.auth ? { auth: { user: smtp.auth.user, pass: smtp.auth.pass } } : {}),
    ...SMTP_TIMEOUTS,
    // The payload comes from whoever may send tasks: never let it read files or fetch URLs.
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

// ---- payload ------------------------------------------------------------------------------------

export function parsePayload(input: unknown): SendEmailPayload {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw invalidPayload('payload must be an object like { to, subject, body }');
  }
  const payload = input as Record<string, unknown>;
  const unknownKey = Object.keys(payload).find((key) => !PAYLOAD_KEYS.includes(key));
  if (unknownKey !== undefined) {
    throw invalidPayload(`payload.${unknownKey} is not a field; use ${PAYLOAD_KEYS.join(', ')}`);
  }

  const to = parseRecipients(payload.to);
  const subject = optionalString(payload.subject, 'payload.subject');
  const body = optionalString(payload.body, 'payload.body');
  const text = optionalString(payload.text, 'payload.text');
  const from = optionalString(payload.from, 'payload.from');
  if (from !== undefined && !isAddressOrNamedAddress(from)) {
    throw invalidPayload('payload.from must be an address like a@b.c or "Name <a@b.c>"');
  }
  if (subject !== undefined && /[\r\n]/.test(subject)) {
    throw invalidPayload('payload.subject must be a single line');
  }
  return { to, subject, body, text, from };
}

function parseRecipients(to: unknown): string | string[] {
  if (to === undefined || to === null || to === '') {
    throw invalidPayload('payload.to is required: an address or a list of addresses');
  }
  const list = Array.isArray(to) ? to : [to];
  if (list.length === 0) throw invalidPayload('payload.to must list at least one address');
  list.forEach((address, index) => {
    if (typeof address !== 'string' || !isAddressOrNamedAddress(address)) {
      const where = Array.isArray(to) ? `payload.to[${index}]` : 'payload.to';
      throw invalidPayload(`${where} must be an address like a@b.c or "Name <a@b.c>"`);
    }
  });
  return to as string | string[];
}

function isAddressOrNamedAddress(value: string): boolean {
  const named = /^[^<>\r\n]*<([^<>]+)>$/.exec(value.trim());
  return ADDRESS_PATTERN.test(named ? (named[1] ?? '') : value.trim());
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalidPayload(`${field} must be a string`);
  return value;
}

function invalidPayload(message: string): SendEmailError {
  return new SendEmailError('EMAIL_PAYLOAD_INVALID', message, { retryable: false });
}

// ---- errors -------------------------------------------------------------------------------------

interface NodemailerFailure {
  message?: string;
  code?: string;
  originalCode?: string;
  responseCode?: number;
  permanent?: boolean;
}

/**
 * Keeps what the sender needs to know: the most specific code, the server's words, and whether
 * trying again can help. Connection problems (refused, reset, timed out) are retryable; a 5xx
 * reply, bad credentials or a bad envelope will be refused again.
 */
export function toSendEmailError(error: unknown, smtp: SmtpConfig): SendEmailError {
  const failure = (typeof error === 'object' && error !== null ? error : {}) as NodemailerFailure;
  const code = failure.originalCode ?? failure.code ?? 'EMAIL_SEND_FAILED';
  const message = failure.message ?? String(error);
  const { responseCode } = failure;

  const permanent =
    failure.permanent ??
    (responseCode !== undefined ? responseCode >= 500 && responseCode !== 503 : undefined);
  const retryable = permanent === undefined ? !NEVER_RETRY_CODES.has(code) : !permanent;

  return new SendEmailError(code, `SMTP ${smtp.host}:${smtp.port}: ${message}`, {
    retryable,
    ...(responseCode !== undefined ? { responseCode } : {}),
    cause: error,
  });
}

// Failures without an SMTP reply that no retry can fix.
const NEVER_RETRY_CODES: ReadonlySet<string> = new Set(['EENVELOPE', 'ECONFIG', 'ENOAUTH']);
