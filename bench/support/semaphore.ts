/** Counts available items; `take()` waits for one. Used to hand work to lanes in-process. */
export class Semaphore {
  private available = 0;
  private closed = false;
  private readonly waiting: (() => void)[] = [];

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.available += 1;
  }

  take(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.available > 0) {
      this.available -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Wakes every waiter, now and later (at shutdown); they must check whether to stop. */
  releaseAll(): void {
    this.closed = true;
    for (const next of this.waiting.splice(0)) next();
  }
}
