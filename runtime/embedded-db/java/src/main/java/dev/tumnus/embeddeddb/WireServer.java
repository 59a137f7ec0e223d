package dev.tumnus.embeddeddb;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * Starts mongo-java-server's in-memory backend on a loopback port for Tumnus's tests and local
 * runs. Arguments: {@code --bind HOST} (default 127.0.0.1) and {@code --port N} (default 0: the
 * operating system picks a free port). Prints {@code TUMNUS_WIRE_SERVER_READY port=N} once it
 * listens, and exits when its standard input closes, so it never outlives the Node process that
 * started it, even when that process is killed without running its exit handlers.
 */
public final class WireServer {
  static final String READY_LINE = "TUMNUS_WIRE_SERVER_READY";

  /**
   * Netty binds each connection to one event-loop thread for its lifetime, and a change stream's
   * getMore may wait on that thread (see TumnusMemoryBackend) while a request on another
   * connection bound to it waits too. Netty hands out threads round-robin, so with this many
   * (idle threads cost next to nothing) connections open at the same time rarely share one.
   */
  static final int WORKER_THREADS = 256;

  /**
   * The backend's own default (wire version 8) is refused by MongoDB driver 7, which needs 17 or
   * more. The backend speaks enough of the newer protocol (OP_MSG, sessions ignored) for Tumnus,
   * so it advertises 6.0 / wire 17.
   */
  static final MongoVersion ADVERTISED_VERSION =
      new MongoVersion() {
        @Override
        public List<Integer> getVersionArray() {
          return List.of(6, 0, 0);
        }

        @Override
        public int getWireVersion() {
          return 17;
        }
      };

  private WireServer() {}

  public static void main(String[] args) throws IOException {
    String host = "127.0.0.1";
    int port = 0;
    for (int i = 0; i < args.length; i++) {
      String name = args[i];
      String value = i + 1 < args.length ? args[++i] : null;
      if (value == null) {
        usage("missing value for " + name);
      }
      switch (name) {
        case "--bind" -> host = value;
        case "--port" -> port = parsePort(value);
        default -> usage("unknown argument " + name);
      }
    }

    TumnusMemoryBackend backend = new TumnusMemoryBackend();
    backend.version(ADVERTISED_VERSION);
    // Change streams read the oplog; without it every watch() fails.
    backend.enableOplog();
    MongoServer server = new MongoServer(backend);
    server.bind(new InetSocketAddress(host, port), 1, WORKER_THREADS);
    Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow, "wire-server-shutdown"));

    InetSocketAddress address = server.getLocalAddress();
    System.out.println(READY_LINE + " port=" + address.getPort());
    System.out.flush();

    waitForEndOfInput(System.in);
    System.exit(0);
  }

  /** Blocks until the parent closes our standard input (it stopped us, exited or died). */
  private static void waitForEndOfInput(InputStream in) {
    byte[] buffer = new byte[256];
    try {
      while (in.read(buffer) != -1) {
        // Input carries no commands; reading only detects the parent going away.
      }
    } catch (IOException e) {
      // A broken pipe means the parent is gone, which is the same signal as end of input.
      System.err.println("stdin closed with error: " + e);
    }
  }

  private static int parsePort(String value) {
    try {
      int port = Integer.parseInt(value);
      if (port < 0 || port > 65535) {
        usage("--port must be between 0 and 65535, got " + value);
      }
      return port;
    } catch (NumberFormatException e) {
      usage("--port must be an integer, got " + value);
      return -1;
    }
  }

  private static void usage(String problem) {
    System.err.println("WireServer: " + problem);
    System.err.println("usage: WireServer [--bind HOST] [--port N]");
    System.exit(2);
  }
}
