import type { StoreConnection } from './connection.js';

/** A running supervisor, as it registers itself for operators. */
export interface SupervisorRecord {
  _id: string;
  host: string;
  pid: number;
  poolSize: number;
  parents: string[];
  startedAt: Date;
  heartbeatAt: Date;
  /** Removed by a TTL index a day after the last heartbeat. */
  expiresAt: Date;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export async function heartbeatSupervisor(
  store: StoreConnection,
  record: Omit<SupervisorRecord, 'heartbeatAt' | 'expiresAt' | 'startedAt'> & { startedAt: Date },
): Promise<void> {
  const now = store.clock.now();
  await store.supervisors.updateOne(
    { _id: record._id },
    {
      $set: {
        host: record.host,
        pid: record.pid,
        poolSize: record.poolSize,
        parents: record.parents,
        startedAt: record.startedAt,
        heartbeatAt: now,
        expiresAt: new Date(now.getTime() + DAY_MS),
      },
    },
    { upsert: true },
  );
}

export async function removeSupervisor(store: StoreConnection, id: string): Promise<void> {
  await store.supervisors.deleteOne({ _id: id });
}

/** Supervisors whose last heartbeat is younger than `aliveWithinMs`. */
export async function listLiveSupervisors(
  store: StoreConnection,
  aliveWithinMs: number,
): Promise<SupervisorRecord[]> {
  const since = new Date(store.clock.now().getTime() - aliveWithinMs);
  return store.supervisors
    .find({ heartbeatAt: { $gte: since } })
    .sort({ _id: 1 })
    .toArray();
}
