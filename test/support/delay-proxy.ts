import net from 'node:net';

export interface DelayProxy {
  /** `uri` with its host replaced by the proxy's, as a direct connection. */
  uri: string;
  close(): Promise<void>;
}

/**
 * A loopback TCP proxy in front of the test server that holds every chunk, both ways, for
 * `delayMs` (order kept): a slow network for one client, so that a race window opens reliably.
 */
export async function startDelayProxy(uri: string, delayMs: number): Promise<DelayProxy> {
  const target = new URL(uri.replace(/^mongodb:/, 'http:'));
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    relay(client, upstream, delayMs);
    relay(upstream, client, delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;

  const query = new URLSearchParams(target.search);
  query.delete('replicaSet');
  query.set('directConnection', 'true');
  return {
    uri: `mongodb://127.0.0.1:${port}${target.pathname}?${query.toString()}`,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function relay(from: net.Socket, to: net.Socket, delayMs: number): void {
  from.on('data', (chunk) => {
    setTimeout(() => {
      if (!to.destroyed) to.write(chunk);
    }, delayMs);
  });
  from.on('end', () => setTimeout(() => to.end(), delayMs));
}
