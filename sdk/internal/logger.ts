import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * The SDK's default logger: warnings and errors only, on stderr, so that an application's own
 * stdout stays its own. Pass `logger` to `new Tumnus()` to route Tumnus into your pino instance.
 */
export function createDefaultLogger(): Logger {
  return pino(
    { name: 'tumnus', level: process.env.TUMNUS_LOG_LEVEL ?? 'warn' },
    pino.destination({ fd: 2, sync: false }),
  );
}
