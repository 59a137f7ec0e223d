// Benchmark handler run by the runtime's pool: fixed CPU work (PBKDF2 rounds), so a pool of two
// threads can show whether it does twice the work of one.
import { pbkdf2Sync } from 'node:crypto';
import type { HandlerTask } from '../../runtime/index.js';

export default function benchCpu(task: HandlerTask<{ rounds: number }>): string {
  return pbkdf2Sync('tumnus', 'bench', task.payload.rounds, 32, 'sha256').toString('hex');
}
