package dev.tumnus.embeddeddb;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.backend.memory.MemoryDatabase;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.oplog.Oplog;
import io.netty.channel.Channel;
import java.util.Collection;
import java.util.function.Supplier;

/**
 * mongo-java-server's in-memory backend with corrections that matter to a task queue: change
 * streams read an indexed oplog (see IndexedOplog), a change stream's getMore waits for the next
 * write instead of spinning, findAndModify writes to the oplog (see FindAndModifyOplog), and
 * sorted, limited queries keep only the best matches instead of sorting all (see
 * TopKMemoryCollection).
 */
final class TumnusMemoryBackend extends MemoryBackend {
  /**
   * Upper bound for one wait. The request runs on a Netty event-loop thread, which other
   * connections may share; a short bound keeps their added latency small. MongoDB's own default
   * (1 s) applies when the client sets no maxTimeMS and is longer than this.
   */
  static final long MAX_WAIT_MS = 250;

  @Override
  public MemoryDatabase openOrCreateDatabase(String databaseName) {
    return new TopKMemoryDatabase(databaseName, getCursorRegistry());
  }

  @Override
  protected Oplog createOplog() {
    return new IndexedOplog(this, getCursorRegistry());
  }

  @Override
  public Document handleCommand(
      Channel channel, String databaseName, String command, Document query) {
    if (!FindAndModifyOplog.handles(command)) {
      return super.handleCommand(channel, databaseName, command, query);
    }
    String collectionName = FindAndModifyOplog.collectionName(command, query);
    Supplier<MongoCollection<?>> collection =
        () -> resolveDatabase(databaseName).resolveCollection(collectionName, false);
    MongoCollection<?> existing = collection.get();
    // The collection's own write methods synchronize on it; holding the same monitor across the
    // write and its oplog entry keeps events in commit order with concurrent writers. A command
    // that creates the collection has no such monitor yet and falls back to the backend's.
    synchronized (existing != null ? existing : this) {
      return FindAndModifyOplog.run(
          oplog,
          existing,
          query,
          cmd -> super.handleCommand(channel, databaseName, command, cmd),
          collection);
    }
  }

  /**
   * mongo-java-server answers a change stream's getMore at once, with an empty batch when nothing
   * happened, and the driver asks again immediately: one idle stream costs thousands of round
   * trips a second, which starves a two-core test machine. MongoDB instead holds an awaitData
   * getMore open until an event arrives or maxTimeMS passes; so does this, woken by every append
   * to the oplog (any collection's: the getMore's own filter decides whether it has news).
   */
  @Override
  protected Document handleGetMore(String databaseName, String command, Document query) {
    if (!(oplog instanceof IndexedOplog indexed)) {
      return super.handleGetMore(databaseName, command, query);
    }
    long deadline = System.currentTimeMillis() + waitBudgetMs(query);
    while (true) {
      // Read the count before the batch: an append between the two then ends the wait at once.
      long seen = indexed.appendCount();
      Document response = super.handleGetMore(databaseName, command, query);
      try {
        if (!isEmptyOpenBatch(response) || !indexed.awaitAppend(seen, deadline)) {
          return response;
        }
      } catch (InterruptedException e) {
        // Shutdown interrupts worker threads: answer with what we have.
        Thread.currentThread().interrupt();
        return response;
      }
    }
  }

  private static long waitBudgetMs(Document query) {
    Object maxTimeMs = query.get("maxTimeMS");
    long requested = maxTimeMs instanceof Number number ? number.longValue() : MAX_WAIT_MS;
    return Math.max(0, Math.min(requested, MAX_WAIT_MS));
  }

  /** An empty batch from a cursor that stays open: a tailable (change stream) getMore's answer. */
  private static boolean isEmptyOpenBatch(Document response) {
    if (!(response.get("cursor") instanceof Document cursor)) {
      return false;
    }
    boolean open = cursor.get("id") instanceof Number id && id.longValue() != 0;
    return open && cursor.get("nextBatch") instanceof Collection<?> batch && batch.isEmpty();
  }
}
