package dev.tumnus.embeddeddb;

import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.backend.Cursor;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.aggregation.Aggregation;
import de.bwaldvogel.mongo.bson.BsonTimestamp;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.oplog.Oplog;
import de.bwaldvogel.mongo.oplog.OplogPosition;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The server's change-stream source, replacing mongo-java-server's collection-backed oplog, whose
 * every getMore scanned and sorted the whole oplog since the server started and looked up each
 * updated document by scanning its collection. Change-stream latency therefore grew with every
 * write the server had ever taken (10 ms fresh, over 30 ms after 30,000 writes), and an idle
 * stream re-scanned all of it every few milliseconds.
 *
 * <p>Here entries sit in a map ordered by timestamp, so a getMore reads only what follows the
 * last entry its stream read, matching or not (see OplogTailCursor); updateLookup goes through the collection's _id index; update events carry an
 * updateDescription as MongoDB's do; and every append wakes the getMores waiting for one (see
 * {@link #awaitAppend}), so an event is delivered as soon as it is written instead of at the
 * next re-check.
 *
 * <p>LIMITATION: entries are never trimmed (memory grows with writes until the server stops,
 * like the backend it replaces), so ChangeStreamHistoryLost cannot happen here; resuming after a
 * dropped collection does not invalidate the stream as MongoDB would. Neither occurs in Tumnus's
 * use; its history-lost handling is tested through a wire proxy instead. mongo-java-server
 * records an insert after releasing its collection lock, so an insert's event can, rarely,
 * follow an update of the same document made at once from another connection.
 */
final class IndexedOplog implements Oplog {
  private static final String FULL_DOCUMENT = "fullDocument";
  private static final String START_AFTER = "startAfter";
  private static final String RESUME_AFTER = "resumeAfter";
  private static final String START_AT_OPERATION_TIME = "startAtOperationTime";

  private final MongoBackend backend;
  private final CursorRegistry cursorRegistry;
  private final Clock clock;
  private final UUID collectionUuid = UUID.randomUUID();

  /** Entries keyed by their timestamp's value; appended in increasing order (see append). */
  private final ConcurrentSkipListMap<Long, Document> entries = new ConcurrentSkipListMap<>();

  /** Guards timestamp assignment with insertion, and is the monitor getMores wait on. */
  private final Object appendLock = new Object();

  private int increment;
  private long appends;

  IndexedOplog(MongoBackend backend, CursorRegistry cursorRegistry) {
    this.backend = backend;
    this.cursorRegistry = cursorRegistry;
    this.clock = backend.getClock();
  }

  // ---- Writes -----------------------------------------------------------------------------------

  @Override
  public void handleInsert(String namespace, List<Document> documents) {
    List<Document> appended = new ArrayList<>(documents.size());
    for (Document document : documents) {
      appended.add(entry("i", namespace).append("o", document.cloneDeeply()));
    }
    append(appended);
  }

  @Override
  public void handleUpdate(
      String namespace, Document selector, Document update, List<Object> modifiedIds) {
    List<Document> appended = new ArrayList<>(modifiedIds.size());
    for (Object id : modifiedIds) {
      appended.add(entry("u", namespace).append("o", update).append("o2", new Document("_id", id)));
    }
    append(appended);
  }

  @Override
  public void handleDelete(String namespace, Document query, List<Object> deletedIds) {
    List<Document> appended = new ArrayList<>(deletedIds.size());
    for (Object id : deletedIds) {
      appended.add(entry("d", namespace).append("o", new Document("_id", id)));
    }
    append(appended);
  }

  @Override
  public void handleDropCollection(String namespace) {
    String database = databaseOf(namespace);
    append(
        List.of(entry("c", database + ".$cmd").append("o", new Document("drop", collectionOf(namespace)))));
  }

  private Document entry(String operation, String namespace) {
    return new Document()
        .append("t", 1L)
        .append("h", 0L)
        .append("v", 2L)
        .append("op", operation)
        .append("ns", namespace)
        .append("ui", collectionUuid)
        .append("wall", clock.instant());
  }

  /**
   * Stamps and stores entries under one lock, so timestamps enter the map in increasing order: a
   * reader that has seen timestamp N can never later find an entry below N it did not see.
   */
  private void append(List<Document> appended) {
    if (appended.isEmpty()) {
      return;
    }
    synchronized (appendLock) {
      for (Document entry : appended) {
        // Never below the last one, even if the system clock steps back: readers past it would
        // never see the entry.
        long value = new BsonTimestamp(clock.instant(), ++increment).getValue();
        long last = entries.isEmpty() ? 0 : entries.lastKey();
        BsonTimestamp timestamp = new BsonTimestamp(Math.max(value, last + 1));
        entries.put(timestamp.getValue(), entry.append("ts", timestamp));
      }
      appends++;
      appendLock.notifyAll();
    }
  }

  /** How many appends have happened; pass it to {@link #awaitAppend} before reading. */
  long appendCount() {
    synchronized (appendLock) {
      return appends;
    }
  }

  /**
   * Waits until an append after {@code seen} or until {@code deadlineMillis}.
   *
   * @return false when the deadline passed with nothing appended
   */
  boolean awaitAppend(long seen, long deadlineMillis) throws InterruptedException {
    synchronized (appendLock) {
      while (appends == seen) {
        long remaining = deadlineMillis - System.currentTimeMillis();
        if (remaining <= 0) {
          return false;
        }
        appendLock.wait(remaining);
      }
      return true;
    }
  }

  // ---- Change streams ---------------------------------------------------------------------------

  @Override
  public Cursor createCursor(
      Document changeStreamDocument, String namespace, Aggregation aggregation) {
    OplogTailCursor cursor =
        new OplogTailCursor(
            cursorRegistry.generateCursorId(),
            entries,
            entry -> concerns(entry, namespace),
            entry -> toChangeEvent(entry, changeStreamDocument),
            aggregation,
            startPosition(changeStreamDocument));
    cursorRegistry.add(cursor);
    return cursor;
  }

  /** The timestamp value after which a new stream starts (exclusive). */
  private long startPosition(Document changeStreamDocument) {
    if (changeStreamDocument.get(START_AFTER) instanceof Document startAfter) {
      return keyOf(OplogPosition.fromDocument(startAfter));
    }
    if (changeStreamDocument.get(RESUME_AFTER) instanceof Document resumeAfter) {
      return keyOf(OplogPosition.fromDocument(resumeAfter));
    }
    if (changeStreamDocument.get(START_AT_OPERATION_TIME) instanceof BsonTimestamp time) {
      // Inclusive of that time.
      return time.getValue() - 1;
    }
    synchronized (appendLock) {
      // "Now": after the newest entry, so the stream sees exactly what is written from here on.
      return entries.isEmpty() ? 0 : entries.lastKey();
    }
  }

  /** A resume token's timestamp value; OplogPosition shows it only as hex. */
  private static long keyOf(OplogPosition position) {
    return Long.parseUnsignedLong(position.toHexString(), 16);
  }

  /** The watched collection's own entries, and drops in its database (they end a stream). */
  private static boolean concerns(Document entry, String namespace) {
    String entryNamespace = (String) entry.get("ns");
    return entryNamespace.equals(namespace)
        || (entryNamespace.equals(databaseOf(namespace) + ".$cmd")
            && collectionOf(namespace).equals(((Document) entry.get("o")).get("drop")));
  }

  private Document toChangeEvent(Document entry, Document changeStreamDocument) {
    BsonTimestamp timestamp = (BsonTimestamp) entry.get("ts");
    Document id = new Document("_data", new OplogPosition(timestamp).toHexString());
    Document o = (Document) entry.get("o");
    String operation = (String) entry.get("op");
    Document event = new Document().append("_id", id);
    switch (operation) {
      case "i" -> event
          .append("operationType", "insert")
          .append(FULL_DOCUMENT, o)
          .append("documentKey", new Document("_id", o.get("_id")));
      case "u" -> {
        Document key = (Document) entry.get("o2");
        if (isReplacement(o)) {
          Document replacement = new Document("_id", key.get("_id"));
          replacement.putAll(o);
          return event
              .append("operationType", "replace")
              .append(FULL_DOCUMENT, replacement)
              .append("documentKey", key)
              .append("clusterTime", timestamp);
        }
        event.append("operationType", "update");
        if ("updateLookup".equals(changeStreamDocument.get(FULL_DOCUMENT))) {
          event.append(FULL_DOCUMENT, lookUp((String) entry.get("ns"), key.get("_id")));
        }
        event.append("documentKey", key).append("updateDescription", describe(o));
      }
      case "d" -> event.append("operationType", "delete").append("documentKey", o);
      case "c" -> event.append("operationType", "drop");
      default -> throw new IllegalStateException("unknown oplog operation " + operation);
    }
    return event.append("clusterTime", timestamp);
  }

  /** An update given as a whole new document rather than as operators. */
  private static boolean isReplacement(Document update) {
    for (String field : update.keySet()) {
      if (field.startsWith("$")) {
        return false;
      }
    }
    return true;
  }

  /** The document as it is now (null once deleted), found through the _id index. */
  private Document lookUp(String namespace, Object id) {
    MongoCollection<?> collection =
        backend.resolveDatabase(databaseOf(namespace)).resolveCollection(collectionOf(namespace), false);
    if (collection == null) {
      return null;
    }
    for (Document document : collection.handleQuery(new Document("_id", id))) {
      return document;
    }
    return null;
  }

  /**
   * MongoDB's updateDescription for an update given as operators: the fields $set (and the
   * other value-setting operators) name, and those $unset removes. The values are the operands,
   * not the results, so $inc reports its increment; Tumnus matches only on fields it $sets.
   */
  private static Document describe(Document update) {
    Document updated = new Document();
    List<String> removed = new ArrayList<>();
    for (String operator : update.keySet()) {
      if (!(update.get(operator) instanceof Document fields)) {
        continue;
      }
      if (operator.equals("$unset")) {
        removed.addAll(fields.keySet());
      } else if (operator.startsWith("$")) {
        updated.putAll(fields);
      }
    }
    return new Document()
        .append("updatedFields", updated)
        .append("removedFields", removed)
        .append("truncatedArrays", List.of());
  }

  private static String databaseOf(String namespace) {
    return namespace.substring(0, namespace.indexOf('.'));
  }

  private static String collectionOf(String namespace) {
    return namespace.substring(namespace.indexOf('.') + 1);
  }
}
