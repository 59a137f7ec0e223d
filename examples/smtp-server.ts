/**
 * A local SMTP server for trying the SendEmail handler: it accepts every message on 127.0.0.1,
 * keeps it in memory and prints who it is from, who it is for, its subject and its body.
 *
 *   npx tsx examples/smtp-server.ts [port]     (or SMTP_PORT=2525; default 2525)
 *
 * Then run the runtime with `TUMNUS_SMTP_URL=smtp://127.0.0.1:2525`. Imported as a module,
 * `startLocalSmtpServer({ port: 0 })` serves tests and the demo on a free port.
 *
 * For local use only: no authentication, no TLS, loopback only.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { SMTPServer } from 'smtp-server';
import type { SMTPServerDataStream, SMTPServerSession } from 'smtp-server';

export interface ReceivedEmail {
  /** Envelope sender (MAIL FROM). */
  from: string;
  /** Envelope recipients (RCPT TO). */
  to: string[];
  subject: string;
  /** Header lines as received, unfolded. */
  headers: Record<string, string>;
  /** The message body after the headers, still MIME-encoded for multipart messages. */
  body: string;
  /** The whole message as received. */
  raw: string;
}

export interface LocalSmtpServerOptions {
  /** Loopback port; 0 picks a free one. @default 2525 */
  port?: number;
  /** Called for each message once it is stored. @default none */
  onMessage?: (email: ReceivedEmail) => void;
  /** Recipients matching this are refused with a permanent 550, to try failures. @default none */
  rejectRecipients?: RegExp;
}

export interface LocalSmtpServer {
  port: number;
  /** Every message received so far, oldest first. */
  messages: ReceivedEmail[];
  /** Stops listening and drops open client connections. Safe to call more than once. */
  close(): Promise<void>;
}

const DEFAULT_PORT = 2525;
// Large enough for any demo email, small enough that a runaway client can't fill memory.
const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

export async function startLocalSmtpServer(
  options: LocalSmtpServerOptions = {},
): Promise<LocalSmtpServer> {
  const messages: ReceivedEmail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    // A reverse DNS lookup of 127.0.0.1 would be the only traffic leaving this process.
    disableReverseLookup: true,
    size: MAX_MESSAGE_BYTES,
    logger: false,
    closeTimeout: 1_000,
    onRcptTo(address, _session, callback) {
      if (!options.rejectRecipients?.test(address.address)) return callback();
      callback(Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 }));
    },
    onData(stream, session, callback) {
      readMessage(stream, session).then(
        (email) => {
          messages.push(email);
          options.onMessage?.(email);
          callback();
        },
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
      );
    },
  });

  server.listen(options.port ?? DEFAULT_PORT, '127.0.0.1');
  await Promise.race([once(server.server, 'listening'), rejectOnError(server)]);
  const { port } = server.server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  return {
    port,
    messages,
    close: () => (closing ??= new Promise<void>((resolve) => server.close(() => resolve()))),
  };
}

async function rejectOnError(server: SMTPServer): Promise<never> {
  const [error] = (await once(server, 'error')) as [Error];
  throw error;
}

async function readMessage(
  stream: SMTPServerDataStream,
  session: SMTPServerSession,
): Promise<ReceivedEmail> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');

  const { headers, body } = splitMessage(raw);
  const mailFrom = session.envelope.mailFrom;
  return {
    from: mailFrom ? mailFrom.address : '',
    to: session.envelope.rcptTo.map((recipient) => recipient.address),
    subject: headers['subject'] ?? '',
    headers,
    body,
    raw,
  };
}

/** Plain header parsing: enough to print a message, not a MIME decoder. */
export function splitMessage(raw: string): { headers: Record<string, string>; body: string } {
  const end = raw.indexOf('\r\n\r\n');
  const head = end === -1 ? raw : raw.slice(0, end);
  const body = end === -1 ? '' : raw.slice(end + 4);

  const headers: Record<string, string> = {};
  // Folded header lines continue with whitespace; join them to their header first.
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body };
}

export function formatEmail(email: ReceivedEmail): string {
  return [
    `From:    ${email.from}`,
    `To:      ${email.to.join(', ')}`,
    `Subject: ${email.subject}`,
    '',
    email.body.trimEnd(),
  ].join('\n');
}

async function main(): Promise<void> {
  const port = Number(process.argv[2] ?? process.env.SMTP_PORT ?? DEFAULT_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`Port must be an integer from 0 to 65535, got ${String(port)}`);
    process.exit(2);
  }

  const server = await startLocalSmtpServer({
    port,
    onMessage: (email) => console.log(`\n--- email received ---\n${formatEmail(email)}\n`),
  });
  console.log(`Local SMTP server listening on 127.0.0.1:${server.port}`);
  console.log(`Point Tumnus at it: TUMNUS_SMTP_URL=smtp://127.0.0.1:${server.port}`);

  const stop = (): void => {
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('Failed to stop the SMTP server:', error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    console.error('Local SMTP server failed:', error);
    process.exit(1);
  });
}
