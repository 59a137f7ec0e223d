package dev.tumnus.embeddeddb;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.oplog.Oplog;
import java.util.List;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * mongo-java-server applies findAndModify without writing to its oplog, so findOneAndUpdate,
 * findOneAndReplace, findOneAndDelete and their upserts produce no change stream event, while
 * MongoDB streams them like any other write. This runs the command and records the equivalent
 * insert, update or delete, in the shape the server itself uses for insertOne, updateOne and
 * deleteOne. The caller holds the collection's lock around it, so the entry lands in commit order.
 */
final class FindAndModifyOplog {
  private FindAndModifyOplog() {}

  static boolean handles(String command) {
    return command.equalsIgnoreCase("findAndModify");
  }

  /** The collection named by a findAndModify command. */
  static String collectionName(String command, Document query) {
    return String.valueOf(query.get(command));
  }

  /**
   * @param existing the collection before the command, or null when the command will create it
   * @param execute runs a findAndModify command document and returns the server's reply
   * @param collection resolves the collection after the command (it may have been created)
   */
  static Document run(
      Oplog oplog,
      MongoCollection<?> existing,
      Document query,
      UnaryOperator<Document> execute,
      Supplier<MongoCollection<?>> collection) {
    Document selector = query.get("query") instanceof Document q ? q : new Document();
    boolean remove = Boolean.TRUE.equals(query.get("remove"));
    boolean returnNew = Boolean.TRUE.equals(query.get("new"));
    boolean upsert = Boolean.TRUE.equals(query.get("upsert"));
    boolean inserts = !remove && upsert && !matchesAny(existing, selector);

    // The reply names neither the upserted document nor its _id unless the new document is asked
    // for, so ask for it and hide it again below when the client did not.
    Document command = inserts && !returnNew ? withReturnNew(query) : query;
    Document response = execute.apply(command);
    Object id = response.get("value") instanceof Document value ? value.get("_id") : null;
    MongoCollection<?> target = collection.get();
    if (id != null && target != null) {
      String namespace = target.getFullName();
      if (remove) {
        oplog.handleDelete(namespace, selector, List.of(id));
      } else if (inserts) {
        Document inserted = findById(target, id);
        if (inserted != null) {
          oplog.handleInsert(namespace, List.of(inserted));
        }
      } else if (query.get("update") instanceof Document update) {
        oplog.handleUpdate(namespace, selector, update, List.of(id));
      }
    }
    // LIMITATION: a projection without _id leaves no id, and then no event is recorded.

    if (inserts && !returnNew) {
      response.put("value", null);
    }
    return response;
  }

  private static boolean matchesAny(MongoCollection<?> collection, Document selector) {
    return collection != null && collection.handleQuery(selector).iterator().hasNext();
  }

  private static Document withReturnNew(Document query) {
    Document copy = query.clone();
    copy.put("new", true);
    return copy;
  }

  private static Document findById(MongoCollection<?> collection, Object id) {
    for (Document document : collection.handleQuery(new Document("_id", id))) {
      return document;
    }
    return null;
  }
}
