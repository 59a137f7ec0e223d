import type { ChildProcess } from 'node:child_process';

/**
 * Kills registered child processes when this process exits normally (including process.exit()).
 * It is the second line of defence: the wire server also exits by itself when its standard input
 * closes, which covers a parent killed by a signal, where no 'exit' handler runs.
 */
const children = new Set<ChildProcess>();
let installed = false;

export function reapOnExit(child: ChildProcess): void {
  children.add(child);
  if (!installed) {
    // Installed on first use, not at import: importing the runtime must not change the process.
    process.on('exit', killAll);
    installed = true;
  }
}

export function forget(child: ChildProcess): void {
  children.delete(child);
}

function killAll(): void {
  for (const child of children) {
    // Only synchronous work is possible in an 'exit' handler; SIGKILL cannot be ignored.
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.clear();
}
