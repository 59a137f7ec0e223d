/**
 * The examples connect to the MongoDB named by `TUMNUS_MONGO_URI`. With `npx tumnus-runtime start`
 * and no URI configured, the runtime starts an embedded database and prints its URI in the
 * `runtime ready` log line: copy it from there.
 */
export function requireMongoUri(): string {
  const uri = process.env.TUMNUS_MONGO_URI;
  if (uri) return uri;

  console.error(
    [
      'TUMNUS_MONGO_URI is not set.',
      'Point it at a MongoDB replica set, for example:',
      '  TUMNUS_MONGO_URI=mongodb://127.0.0.1:27017/tumnus?replicaSet=rs0 npx tsx examples/main.ts',
      'or start `npx tumnus-runtime start` and copy the mongoUri from its "runtime ready" line.',
    ].join('\n'),
  );
  process.exit(2);
}
