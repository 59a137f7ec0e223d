package dev.tumnus.embeddeddb;

import de.bwaldvogel.mongo.backend.AbstractCursor;
import de.bwaldvogel.mongo.backend.aggregation.Aggregation;
import de.bwaldvogel.mongo.bson.Document;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * A change stream's cursor over {@link IndexedOplog}. It remembers how far it has read whether or
 * not the entries it passed matched, so a stream whose filter matches little does not read the
 * same entries again on every getMore (mongo-java-server's own cursor only moves on a match, and
 * every append wakes every waiting stream).
 */
final class OplogTailCursor extends AbstractCursor {
  private final NavigableMap<Long, Document> entries;
  private final Predicate<Document> watched;
  private final UnaryOperator<Document> toChangeEvent;
  private final Aggregation pipeline;
  private long position;

  /**
   * @param entries the oplog, by timestamp value, appended in increasing order
   * @param watched which entries belong to this stream (its collection)
   * @param toChangeEvent turns an entry into the event a client sees
   * @param pipeline the stages after $changeStream; each is applied to one event at a time
   * @param position the timestamp value after which to start (exclusive)
   */
  OplogTailCursor(
      long id,
      NavigableMap<Long, Document> entries,
      Predicate<Document> watched,
      UnaryOperator<Document> toChangeEvent,
      Aggregation pipeline,
      long position) {
    super(id);
    this.entries = entries;
    this.watched = watched;
    this.toChangeEvent = toChangeEvent;
    this.pipeline = pipeline;
    this.position = position;
  }

  @Override
  public boolean isEmpty() {
    // A change stream's cursor stays open with nothing to return.
    return false;
  }

  @Override
  public synchronized List<Document> takeDocuments(int numberToReturn) {
    List<Document> batch = new ArrayList<>();
    for (Map.Entry<Long, Document> entry : entries.tailMap(position, false).entrySet()) {
      position = entry.getKey();
      if (!watched.test(entry.getValue())) {
        continue;
      }
      pipeline.runStagesAsStream(Stream.of(toChangeEvent.apply(entry.getValue()))).forEach(batch::add);
      if (numberToReturn > 0 && batch.size() >= numberToReturn) {
        break;
      }
    }
    return batch;
  }
}
