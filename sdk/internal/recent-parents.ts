import type { TaskParentRecord } from '../model.js';

/**
 * How long a send trusts a parent it read before, instead of reading it again. Sends re-check
 * the parent after every insert anyway (a deletion racing the send withdraws its task), so this
 * only bounds how long a policy change made by another process (maxAttempts, retention) can take
 * to reach this one's new tasks.
 */
export const PARENT_TRUST_MS = 1_000;

/**
 * Parents this client found to exist, kept briefly so a burst of sends to one parent reads it
 * once rather than once per task. Absence is never remembered: a send to a missing parent always
 * asks the database, so creating a parent takes effect at once everywhere.
 */
export class RecentParents {
  private readonly seen = new Map<string, { parent: TaskParentRecord; until: number }>();

  constructor(private readonly trustMs = PARENT_TRUST_MS) {}

  get(name: string): TaskParentRecord | undefined {
    const entry = this.seen.get(name);
    if (!entry) return undefined;
    if (entry.until > performance.now()) return entry.parent;
    this.seen.delete(name);
    return undefined;
  }

  remember(parent: TaskParentRecord): void {
    this.seen.set(parent.name, { parent, until: performance.now() + this.trustMs });
  }

  forget(name: string): void {
    this.seen.delete(name);
  }
}
