// Benchmark handler run by the runtime's pool: awaits a 5 ms timer, like a short call elsewhere.
import { setTimeout as sleep } from 'node:timers/promises';

export default async function benchSleep5(): Promise<null> {
  await sleep(5);
  return null;
}
