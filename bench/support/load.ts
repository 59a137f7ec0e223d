import { now, sleep } from './time.js';

/**
 * Open-loop load: calls `send(i)` at `ratePerSec`, on schedule whether or not earlier sends have
 * finished, so a slow system builds a queue instead of slowing the load. Resolves when every
 * send (and whatever it awaits) has settled.
 */
export async function openLoop(
  ratePerSec: number,
  tasks: number,
  send: (i: number) => Promise<void>,
): Promise<void> {
  const intervalMs = 1000 / ratePerSec;
  const start = now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < tasks; i++) {
    const due = start + i * intervalMs;
    const wait = due - now();
    if (wait > 0) await sleep(wait);
    inFlight.push(send(i));
  }
  await Promise.all(inFlight);
}

/**
 * Closed-loop load: `senders` loops each call `once()` back to back until `durationMs` has passed.
 * Returns how many calls completed and how long it took until the last one did.
 */
export async function closedLoops(
  senders: number,
  durationMs: number,
  once: () => Promise<void>,
): Promise<{ completed: number; ms: number }> {
  const start = now();
  const stopAt = start + durationMs;
  let completed = 0;
  const loop = async () => {
    while (now() < stopAt) {
      await once();
      completed += 1;
    }
  };
  await Promise.all(Array.from({ length: senders }, loop));
  return { completed, ms: now() - start };
}
