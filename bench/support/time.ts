/** Milliseconds on the monotonic clock of this process. */
export function now(): number {
  return performance.now();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Rejects with `what` timed out after `ms`; the timer never keeps the process alive. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves once `count()` reaches `target`, checking every `everyMs`, or rejects at `ms`. */
export async function waitUntil(
  done: () => boolean,
  ms: number,
  what: string,
  everyMs = 2,
): Promise<void> {
  const deadline = now() + ms;
  while (!done()) {
    if (now() > deadline) throw new Error(`${what} timed out after ${ms} ms`);
    await sleep(everyMs);
  }
}

/**
 * Runs `work(i)` for i in [0, count) with at most `parallel` calls in flight, like `parallel`
 * independent senders sharing one counter.
 */
export async function runPool(
  count: number,
  parallel: number,
  work: (i: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      await work(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, lane));
}

/** Counts completions and resolves `done` at the `target`-th one, noting when it happened. */
export class Countdown {
  readonly done: Promise<number>;
  count = 0;
  private resolve!: (at: number) => void;

  constructor(readonly target: number) {
    this.done = new Promise((resolve) => (this.resolve = resolve));
    if (target === 0) this.resolve(now());
  }

  tick(): void {
    this.count += 1;
    if (this.count === this.target) this.resolve(now());
  }
}
