import { randomUUID } from 'node:crypto';
import { ObjectId } from 'mongodb';
import type { FailureRecord } from '../../errors.js';
import type { TaskReply, TaskSnapshot } from '../../model.js';
import { TaskStatus } from '../../model.js';
import type { StoreConnection } from './connection.js';
import { toSnapshot } from './documents.js';

/** A claimed task and the token that fences every later write of its holder. */
export interface ClaimedTask {
  task: TaskSnapshot;
  token: string;
}

/**
 * Atomically takes the oldest ready task of `parents` and leases it to `owner`. The attempt is
 * counted here, at claim time, so that a task that kills its holder cannot retry forever.
 */
export async function claimNextTask(
  store: StoreConnection,
  parents: readonly string[],
  owner: string,
  leaseMs: number,
): Promise<ClaimedTask | null> {
  const now = store.clock.now();
  const token = randomUUID();

  const doc = await store.tasks.findOneAndUpdate(
    { parent: { $in: [...parents] }, status: TaskStatus.Pending, runAt: { $lte: now } },
    {
      $set: {
        status: TaskStatus.Leased,
        lease: { token, owner, expiresAt: new Date(now.getTime() + leaseMs) },
        updatedAt: now,
      },
      $inc: { attempts: 1 },
    },
    { sort: { runAt: 1 }, returnDocument: 'after' },
  );
  return doc ? { task: toSnapshot(doc), token } : null;
}

/** Matches a task only while `token` still holds its lease: the fence on every holder write. */
export function heldBy(id: string, token: string) {
  return { _id: new ObjectId(id), status: TaskStatus.Leased, 'lease.token': token };
}

/** Extends a lease; false when the holder lost it (expired and reaped, or finished elsewhere). */
export async function renewLease(
  store: StoreConnection,
  id: string,
  token: string,
  leaseMs: number,
): Promise<boolean> {
  const now = store.clock.now();
  const result = await store.tasks.updateOne(heldBy(id, token), {
    $set: { 'lease.expiresAt': new Date(now.getTime() + leaseMs), updatedAt: now },
  });
  return result.matchedCount === 1;
}

/** Commits the holder's reply. False when the lease was lost: the reply is discarded. */
export async function commitReply(
  store: StoreConnection,
  id: string,
  token: string,
  reply: TaskReply,
): Promise<boolean> {
  const now = store.clock.now();
  const status = reply.status === 'success' ? TaskStatus.Succeeded : TaskStatus.Failed;
  const result = await store.tasks.updateOne(heldBy(id, token), {
    $set: { status, reply, lease: null, outcomeToken: token, finishedAt: now, updatedAt: now },
  });
  return result.matchedCount === 1;
}

/**
 * Records a failed attempt. With attempts left, the task goes back to pending at `retryAt`;
 * otherwise it ends dead. False when the lease was lost.
 */
export async function recordFailure(
  store: StoreConnection,
  id: string,
  token: string,
  failure: FailureRecord,
  retryAt: Date | null,
): Promise<boolean> {
  const now = store.clock.now();
  const next =
    retryAt === null
      ? { status: TaskStatus.Dead, finishedAt: now }
      : { status: TaskStatus.Pending, runAt: retryAt };
  const result = await store.tasks.updateOne(heldBy(id, token), {
    $set: { ...next, lease: null, outcomeToken: token, updatedAt: now },
    $push: { failures: failure },
  });
  return result.matchedCount === 1;
}

/**
 * Gives a task back without spending an attempt (graceful shutdown): it is ready again at once.
 */
export async function releaseLease(
  store: StoreConnection,
  id: string,
  token: string,
): Promise<boolean> {
  const now = store.clock.now();
  const result = await store.tasks.updateOne(heldBy(id, token), {
    $set: {
      status: TaskStatus.Pending,
      lease: null,
      outcomeToken: token,
      runAt: now,
      updatedAt: now,
    },
    $inc: { attempts: -1 },
  });
  return result.matchedCount === 1;
}

/**
 * Whether the holder of `token` wrote the task's latest outcome (a reply, a failure or a
 * release). After a write whose reply was lost to a dropped connection, this tells the holder
 * that the write landed, so it does not mistake its own outcome for a lost lease.
 */
export async function outcomeWrittenBy(
  store: StoreConnection,
  id: string,
  token: string,
): Promise<boolean> {
  const count = await store.tasks.countDocuments(
    { _id: new ObjectId(id), outcomeToken: token },
    { limit: 1 },
  );
  return count === 1;
}

/**
 * Takes back leases whose holder went silent: each such task records a `lease-expired` failure
 * and becomes pending again, or dead when it has used all its attempts. Each task is updated on
 * its own, conditional on the expired token, so a holder that renews at the same moment wins
 * cleanly. Returns the leases taken back.
 */
export interface ReapedLease {
  taskId: string;
  parent: string;
  attempt: number;
  owner: string;
  failure: FailureRecord;
  dead: boolean;
}

export async function reapExpiredLeases(
  store: StoreConnection,
  parents: readonly string[],
  /** Leases the caller holds and renews itself: alive, so never its to take back. */
  ownTokens: readonly string[] = [],
  limit = 100,
): Promise<ReapedLease[]> {
  const now = store.clock.now();
  const expired = await store.tasks
    .find(
      {
        parent: { $in: [...parents] },
        status: TaskStatus.Leased,
        'lease.expiresAt': { $lte: now },
        ...(ownTokens.length > 0 ? { 'lease.token': { $nin: [...ownTokens] } } : {}),
      },
      { projection: { parent: 1, lease: 1, attempts: 1, maxAttempts: 1 }, limit },
    )
    .toArray();

  const reaped: ReapedLease[] = [];
  for (const doc of expired) {
    if (!doc.lease) continue;
    const attemptsLeft = doc.attempts < doc.maxAttempts;
    const failure: FailureRecord = {
      name: 'LeaseExpiredError',
      message: attemptsLeft
        ? 'the lease holder stopped renewing its lease; the task was handed out again'
        : 'the lease holder stopped renewing its lease and no attempts are left',
      code: 'LEASE_EXPIRED',
      retryable: attemptsLeft,
      reason: 'lease-expired',
      attempt: doc.attempts,
      at: now,
    };
    const next = attemptsLeft
      ? { status: TaskStatus.Pending, runAt: now }
      : { status: TaskStatus.Dead, finishedAt: now };

    const result = await store.tasks.updateOne(
      { ...heldBy(doc._id.toHexString(), doc.lease.token), 'lease.expiresAt': { $lte: now } },
      { $set: { ...next, lease: null, updatedAt: now }, $push: { failures: failure } },
    );
    if (result.modifiedCount === 1) {
      reaped.push({
        taskId: doc._id.toHexString(),
        parent: doc.parent,
        attempt: doc.attempts,
        owner: doc.lease.owner,
        failure,
        dead: !attemptsLeft,
      });
    }
  }
  return reaped;
}
