/** A progress line on stderr: stdout carries only the soak's summary line. */
export function progress(message: string, fields: Record<string, unknown> = {}): void {
  const shown = Object.entries(fields).map(([key, value]) => `${key}=${String(value)}`);
  const time = new Date().toISOString().slice(11, 19);
  process.stderr.write(`[soak ${time}] ${message} ${shown.join(' ')}\n`);
}
