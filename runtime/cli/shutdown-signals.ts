import type { Logger } from '../logger.js';

const SIGNALS = Object.freeze(['SIGINT', 'SIGTERM'] as const);
type ShutdownSignal = (typeof SIGNALS)[number];

/** Exit code after a second signal cut the graceful stop short. */
export const FORCED_EXIT_CODE = 130;

/**
 * SIGINT/SIGTERM handling: the first signal asks for a graceful stop (`requested` resolves);
 * a second one, while that stop is still running, exits at once.
 */
export class ShutdownSignals {
  readonly requested: Promise<ShutdownSignal>;
  private received: ShutdownSignal | null = null;
  private resolveRequested!: (signal: ShutdownSignal) => void;
  private readonly onSignal = (signal: ShutdownSignal) => this.handle(signal);

  constructor(private readonly logger: Logger) {
    this.requested = new Promise((resolve) => (this.resolveRequested = resolve));
    for (const signal of SIGNALS) process.on(signal, this.onSignal);
  }

  dispose(): void {
    for (const signal of SIGNALS) process.off(signal, this.onSignal);
  }

  private handle(signal: ShutdownSignal): void {
    if (this.received === null) {
      this.received = signal;
      this.logger.info({ signal }, 'shutdown requested');
      this.resolveRequested(signal);
      return;
    }
    this.logger.warn({ signal, first: this.received }, 'shutdown forced');
    process.exit(FORCED_EXIT_CODE);
  }
}
