// `npm run demo`: the whole product on one machine, nothing to configure.
//
// 1. starts a local SMTP server on a free loopback port (examples/smtp-server.ts);
// 2. starts `tumnus-runtime start` with no MongoDB URI, so it brings up its embedded database,
//    and with TUMNUS_SMTP_URL pointing at that SMTP server;
// 3. reads the MongoDB URI from the runtime's `runtime ready` log line;
// 4. sends one SendEmail task through the SDK and waits for its result;
// 5. prints the result and the email the SMTP server received, then shuts everything down.
//
// Exits 0 when the email went through, 1 otherwise. Runs after `npm run build` (dist/ is used).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import Tumnus from 'tumnus';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
// First start on a fresh offline machine may resolve the fallback database server: be patient.
const READY_TIMEOUT_MS = 5 * 60_000;
const RESULT_TIMEOUT_MS = 60_000;
const SHUTDOWN_TIMEOUT_MS = 20_000;
const RECIPIENT = 'contact@organization.com';

const startedAt = Date.now();
const cleanup = [];

async function main() {
  const { startLocalSmtpServer, formatEmail } = await tsImport(
    '../examples/smtp-server.ts',
    import.meta.url,
  );
  const smtp = await startLocalSmtpServer({ port: 0 });
  cleanup.push(() => smtp.close());
  step(`local SMTP server listening on 127.0.0.1:${smtp.port}`);

  const runtime = startRuntime(`smtp://127.0.0.1:${smtp.port}`);
  cleanup.push(() => runtime.stop());
  step('starting tumnus-runtime with the embedded database (no MongoDB URI configured)');
  const ready = await runtime.ready;
  const where = ready.embedded ? `, embedded ${ready.embedded}` : '';
  step(`runtime ready: ${ready.mongoUri} (database ${ready.database}${where})`);
  step(`handlers registered: ${formatList(ready.handlers)}`);

  const result = await Promise.race([sendOneEmail(ready), runtime.crashed]);
  console.log('\nResult of the SendEmail task:');
  console.log(result);
  const email = smtp.messages.at(-1);
  if (email) console.log(`\nThe SMTP server received:\n${indent(formatEmail(email))}\n`);

  const code = await runtime.stop();
  step(`runtime stopped (exit code ${code})`);
  return result.status === 'success' && email !== undefined && code === 0;
}

async function sendOneEmail({ mongoUri, database }) {
  // The same database the runtime works in, whatever the URI's path says.
  const { Task, close } = new Tumnus({ uri: mongoUri, ...(database ? { dbName: database } : {}) });
  try {
    step(`sending one SendEmail task to ${RECIPIENT} and waiting for its result`);
    return await new Task('SendEmail').send(
      {
        to: RECIPIENT,
        subject: 'Hello from Tumnus',
        body: '<div>Hello world!</div>',
      },
      { waitForComplete: true, timeoutMs: RESULT_TIMEOUT_MS },
    );
  } finally {
    await close();
  }
}

// ---- the runtime as a child process ------------------------------------------------------------

function startRuntime(smtpUrl) {
  const env = {
    ...process.env,
    TUMNUS_SMTP_URL: smtpUrl,
    TUMNUS_SMTP_FROM: 'Tumnus demo <demo@localhost>',
  };
  // No URI at all: the point of the demo is the embedded default.
  delete env.TUMNUS_MONGO_URI;

  const child = spawn(
    process.execPath,
    ['dist/runtime/cli.js', 'start', '--handlers', 'handlers'],
    { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output = [];
  const exited = once(child, 'exit').then(([code, signal]) => code ?? signal);
  const ready = waitForReady(child, output, exited);
  // Until `ready` settles, nobody else listens: keep a rejection from going unhandled.
  ready.catch(() => undefined);

  createInterface({ input: child.stderr }).on('line', (line) => output.push(line));
  const crashed = exited.then((code) => {
    throw new DemoError(`the runtime exited (${code}) while the task was running`, output);
  });
  crashed.catch(() => undefined);
  return { ready, crashed, stop: () => stopChild(child, exited), output };
}

function waitForReady(child, output, exited) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new DemoError(`the runtime was not ready after ${READY_TIMEOUT_MS / 1000} s`, output));
    }, READY_TIMEOUT_MS);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new DemoError(`the runtime exited (${code}) before it was ready`, output));
    });

    createInterface({ input: child.stdout }).on('line', (line) => {
      output.push(line);
      const entry = parseLogLine(line);
      if (entry && entry.level >= 40)
        console.error(`[demo] runtime says: ${entry.msg} ${brief(entry)}`);
      if (entry?.msg !== 'runtime ready') return;
      clearTimeout(timer);
      if (typeof entry.mongoUri === 'string') resolve(entry);
      else reject(new DemoError('the runtime ready line has no mongoUri', output));
    });
  });
}

async function stopChild(child, exited) {
  if (child.exitCode !== null || child.signalCode !== null) return exited;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), SHUTDOWN_TIMEOUT_MS);
  try {
    return await exited;
  } finally {
    clearTimeout(timer);
  }
}

// ---- output -------------------------------------------------------------------------------------

class DemoError extends Error {
  constructor(message, output) {
    super(message);
    this.output = output;
  }
}

function parseLogLine(line) {
  if (!line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line);
  } catch {
    // A line that merely starts with `{` is plain output, not a log entry.
    return undefined;
  }
}

function brief(entry) {
  const reason = entry.reason ?? (entry.err ?? entry.error)?.message;
  return reason ? `(${reason})` : '';
}

function step(message) {
  console.log(`[demo] ${message}`);
}

function formatList(list) {
  return Array.isArray(list) ? list.join(', ') : String(list ?? '?');
}

function indent(text) {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}

async function runCleanup() {
  for (const task of cleanup.reverse()) {
    await task().catch((error) => console.error('[demo] cleanup failed:', error));
  }
}

process.once('SIGINT', () => {
  step('interrupted, shutting down');
  void runCleanup().then(() => process.exit(130));
});

main()
  .then(
    (ok) => {
      process.exitCode = ok ? 0 : 1;
    },
    (error) => {
      console.error(`[demo] failed: ${error instanceof Error ? error.message : String(error)}`);
      if (error instanceof DemoError && error.output.length > 0) {
        console.error(`[demo] runtime output:\n${indent(error.output.slice(-40).join('\n'))}`);
      } else if (error instanceof Error && error.stack) {
        console.error(error.stack);
      }
      process.exitCode = 1;
    },
  )
  .then(runCleanup)
  .then(() => step(`done in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`));
