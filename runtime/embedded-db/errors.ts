import { ErrorCode, TumnusError } from '../../sdk/errors.js';

/** One way of getting a database that was tried and did not work, and why. */
export interface EmbeddedDatabaseAttempt {
  kind: 'mongod' | 'java-wire-server';
  reason: string;
}

/**
 * Neither a mongod nor the Java wire server could be started. The message lists every way to fix
 * that; `attempts` says what was tried; `cause` is an AggregateError of the underlying failures.
 */
export class EmbeddedDatabaseUnavailableError extends TumnusError {
  override readonly name = 'EmbeddedDatabaseUnavailableError';
  readonly attempts: readonly EmbeddedDatabaseAttempt[];

  constructor(attempts: EmbeddedDatabaseAttempt[], causes: unknown[]) {
    super(ErrorCode.EmbeddedDbUnavailable, describe(attempts), {
      cause: new AggregateError(causes, 'every embedded database attempt failed'),
    });
    this.attempts = attempts;
  }
}

function describe(attempts: EmbeddedDatabaseAttempt[]): string {
  return [
    'No embedded MongoDB could be started. Provide one of:',
    '  - a MongoDB URI: pass --mongo <uri> or set TUMNUS_MONGO_URI (tests: TUMNUS_TEST_MONGO_URI);',
    '  - a mongod binary: set MONGOMS_SYSTEM_BINARY=/path/to/mongod, or set',
    '    MONGOMS_RUNTIME_DOWNLOAD=true to let mongodb-memory-server download one;',
    '  - a JDK >= 17 (JAVA_HOME, /usr/lib/jvm or PATH) and Maven (mvn) on PATH, with access to',
    '    Maven Central on first use, for the in-memory Java wire server.',
    'Tried:',
    ...attempts.map((a) => `  - ${a.kind}: ${a.reason}`),
  ].join('\n');
}
