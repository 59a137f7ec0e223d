/**
 * The examples connect to the MongoDB named by `TUMNUS_MONGO_URI`. Started with no URI configured,
 * the runtime (`node dist/runtime/cli.js start` here, `npx tumnus-runtime start` in a project that
 * installed tumnus) runs an embedded database and prints its URI in the `runtime ready` log line.
 */
export function requireMongoUri(): string {
  const uri = process.env.TUMNUS_MONGO_URI;
  if (uri) return uri;

  console.error(
    [
      'TUMNUS_MONGO_URI is not set.',
      'Point it at a MongoDB replica set, for example:',
      '  TUMNUS_MONGO_URI=mongodb://127.0.0.1:27017/tumnus?replicaSet=rs0 npx tsx examples/main.ts',
      'or start the runtime (`node dist/runtime/cli.js start` in this repository) and copy the',
      'mongoUri from its "runtime ready" log line.',
    ].join('\n'),
  );
  process.exit(2);
}
