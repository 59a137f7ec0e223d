// comlink ships types for its ESM node adapter only as `node-adapter.d.ts`, which TypeScript does
// not pair with `node-adapter.mjs`; this declares it for the ports Tumnus hands it.
declare module 'comlink/dist/esm/node-adapter.mjs' {
  import type { Endpoint } from 'comlink';
  import type { MessagePort } from 'node:worker_threads';

  export default function nodeEndpoint(endpoint: MessagePort): Endpoint;
}
