// Benchmark handler run by the runtime's pool: does nothing and returns at once.
export default function benchNoop(): null {
  return null;
}
