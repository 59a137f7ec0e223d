package dev.tumnus.embeddeddb;

import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.memory.MemoryCollection;
import de.bwaldvogel.mongo.backend.memory.MemoryDatabase;

/** An in-memory database whose collections answer sorted, limited queries without a full sort. */
final class TopKMemoryDatabase extends MemoryDatabase {
  private final CursorRegistry cursors;

  TopKMemoryDatabase(String databaseName, CursorRegistry cursorRegistry) {
    super(databaseName, cursorRegistry);
    this.cursors = cursorRegistry;
  }

  @Override
  protected MemoryCollection openOrCreateCollection(
      String collectionName, CollectionOptions options) {
    return new TopKMemoryCollection(this, collectionName, options, cursors);
  }
}
