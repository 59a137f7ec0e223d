// A MongoDB wire-protocol proxy on a loopback port, between the processes under test and the
// run's database server, that injects database trouble the server itself cannot be asked for:
// dropped connections and a refusing server (`cut` / `heal`), killed change-stream cursors (it
// remembers their ids for a `killCursors`), and commands answered with an error of our choosing
// (a resume token that is too old: ChangeStreamHistoryLost). Data stays on the real server.
import net from 'node:net';
import { BSON, Long, type Document } from 'mongodb';

const OP_MSG = 2013;
const HEADER_BYTES = 16;

/** A server error reply, as MongoDB sends it. */
export interface InjectedError {
  code: number;
  codeName: string;
  errmsg: string;
  errorLabels?: string[];
}

/** What MongoDB answers when a change stream's resume point has left the oplog. */
export const CHANGE_STREAM_HISTORY_LOST: InjectedError = Object.freeze({
  code: 286,
  codeName: 'ChangeStreamHistoryLost',
  errmsg:
    'Resume of change stream was not possible, as the resume point may no longer be in the oplog.',
});

/** An aggregate that resumes a change stream from a token or time rather than starting fresh. */
export function isChangeStreamResume(command: Document): boolean {
  const stage = (command.pipeline as Document[] | undefined)?.[0]?.$changeStream as
    Document | undefined;
  if (command.aggregate === undefined || !stage) return false;
  return ['resumeAfter', 'startAfter', 'startAtOperationTime'].some((key) => key in stage);
}

interface Rule {
  matches(command: Document): boolean;
  error: InjectedError;
  hits: number;
}

export interface ChangeStreamCursor {
  id: Long;
  collection: string;
  /** The database name (`$db` of the opening aggregate). */
  db: string;
}

export class WireProxy {
  private readonly sockets = new Set<net.Socket>();
  private readonly rules = new Set<Rule>();
  private readonly cursors = new Map<string, ChangeStreamCursor>();
  private refusing = false;
  private nextRequestId = 1 << 30;

  private constructor(
    private readonly server: net.Server,
    private readonly upstream: { host: string; port: number },
  ) {}

  /** Listens on a free loopback port and forwards to the server of `serverUri`. */
  static async start(serverUri: string): Promise<WireProxy> {
    const match = /^mongodb:\/\/([^/?,]+):(\d+)/.exec(serverUri);
    if (!match) throw new Error('the proxy needs a single-host mongodb:// URI');
    const upstream = { host: match[1]!, port: Number(match[2]) };
    const server = net.createServer();
    const proxy = new WireProxy(server, upstream);
    server.on('connection', (socket) => proxy.accept(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /**
   * `mongodb://127.0.0.1:<proxy>/<dbName>?directConnection=true...`: one server, reached only
   * through the proxy (a replica set would hand out its members' own addresses).
   */
  uri(serverUri: string, dbName: string): string {
    const query = new URLSearchParams(serverUri.split('?')[1] ?? '');
    query.delete('replicaSet');
    query.set('directConnection', 'true');
    return `mongodb://127.0.0.1:${this.port}/${dbName}?${query.toString()}`;
  }

  /** Drops every open connection and closes each new one at once, until `heal()`. */
  cut(): void {
    this.refusing = true;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  heal(): void {
    this.refusing = false;
  }

  /** Answers commands that `matches` with `error` until the returned function is called. */
  failCommands(matches: (command: Document) => boolean, error: InjectedError) {
    const rule: Rule = { matches, error, hits: 0 };
    this.rules.add(rule);
    return { hits: () => rule.hits, stop: () => this.rules.delete(rule) };
  }

  /** Change-stream cursors opened through the proxy so far (some may be closed since). */
  changeStreamCursors(): ChangeStreamCursor[] {
    return [...this.cursors.values()];
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    if (this.refusing) {
      client.destroy();
      return;
    }
    const server = net.connect(this.upstream.port, this.upstream.host);
    const openStreams = new Map<number, { collection: string; db: string }>();
    for (const socket of [client, server]) {
      this.sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        this.sockets.delete(socket);
        client.destroy();
        server.destroy();
      });
    }
    framesOf(client, (frame) => this.fromClient(frame, client, server, openStreams));
    framesOf(server, (frame) => {
      this.noteCursor(frame, openStreams);
      client.write(frame);
    });
  }

  private fromClient(
    frame: Buffer,
    client: net.Socket,
    server: net.Socket,
    openStreams: Map<number, { collection: string; db: string }>,
  ): void {
    const command = commandOf(frame);
    const rule = command && [...this.rules].find((r) => r.matches(command));
    if (rule) {
      rule.hits += 1;
      client.write(errorReply(this.nextRequestId++, frame.readInt32LE(4), rule.error));
      return;
    }
    if (command && isChangeStreamOpen(command)) {
      openStreams.set(frame.readInt32LE(4), {
        collection: String(command.aggregate),
        db: String(command.$db),
      });
    }
    server.write(frame);
  }

  /** Remembers the cursor id of a reply to a change-stream aggregate. */
  private noteCursor(frame: Buffer, open: Map<number, { collection: string; db: string }>): void {
    const responseTo = frame.readInt32LE(8);
    const stream = open.get(responseTo);
    if (!stream) return;
    open.delete(responseTo);
    const id = (commandOf(frame)?.cursor as Document | undefined)?.id as Long | number | undefined;
    if (id === undefined) return;
    const long = typeof id === 'number' ? Long.fromNumber(id) : id;
    if (!long.isZero()) this.cursors.set(long.toString(), { id: long, ...stream });
  }
}

function isChangeStreamOpen(command: Document): boolean {
  return (
    command.aggregate !== undefined && Boolean((command.pipeline as Document[])?.[0]?.$changeStream)
  );
}

/** Calls `onFrame` with each whole wire-protocol message arriving on `socket`. */
function framesOf(socket: net.Socket, onFrame: (frame: Buffer) => void): void {
  let pending: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 4) {
      const length = pending.readInt32LE(0);
      if (pending.length < length) return;
      onFrame(pending.subarray(0, length));
      pending = pending.subarray(length);
    }
  });
}

/** The command document (section kind 0) of an OP_MSG, or null for anything else. */
function commandOf(frame: Buffer): Document | null {
  if (frame.readInt32LE(12) !== OP_MSG) return null;
  let offset = HEADER_BYTES + 4;
  while (offset < frame.length) {
    const kind = frame.readUInt8(offset);
    const size = frame.readInt32LE(offset + 1);
    if (kind === 0) {
      return BSON.deserialize(frame.subarray(offset + 1, offset + 1 + size), {
        useBigInt64: false,
        promoteLongs: false,
      });
    }
    offset += 1 + size;
  }
  return null;
}

function errorReply(requestId: number, responseTo: number, error: InjectedError): Buffer {
  const body = Buffer.from(BSON.serialize({ ok: 0, ...error }));
  const header = Buffer.alloc(HEADER_BYTES + 5);
  header.writeInt32LE(header.length + body.length, 0);
  header.writeInt32LE(requestId, 4);
  header.writeInt32LE(responseTo, 8);
  header.writeInt32LE(OP_MSG, 12);
  header.writeUInt32LE(0, 16);
  header.writeUInt8(0, 20);
  return Buffer.concat([header, body]);
}
