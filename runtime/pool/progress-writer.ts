import { ErrorCode, TumnusError } from '../../sdk/errors.js';
import type { ClaimedWork } from '../../sdk/internal/claimed-work.js';
import { assertStorable } from '../../sdk/internal/storable.js';
import { bsonSize } from '../../sdk/internal/store/index.js';

/** Largest progress value stored: progress is rewritten often, so it is kept small. */
export const MAX_PROGRESS_BYTES = 64 * 1024;

/**
 * Writes a handler's `ctx.progress(value)` to its task (and its `progress` event). Calls that
 * arrive while a write is in flight are coalesced: only the latest value is written next, and every such call resolves when
 * it is. A handler reporting in a tight loop therefore costs one write at a time, not one each.
 */
export class ProgressWriter {
  private latest: { value: unknown } | null = null;
  private writing: Promise<void> | null = null;

  constructor(private readonly work: ClaimedWork) {}

  write(value: unknown): Promise<void> {
    assertStorable(value, 'progress');
    const size = bsonSize(value ?? null);
    if (size > MAX_PROGRESS_BYTES) {
      throw new TumnusError(
        ErrorCode.PayloadTooLarge,
        `progress takes ${size} bytes as BSON; the limit is ${MAX_PROGRESS_BYTES}`,
      );
    }

    this.latest = { value };
    this.writing ??= this.flush();
    return this.writing;
  }

  private async flush(): Promise<void> {
    try {
      while (this.latest) {
        const { value } = this.latest;
        this.latest = null;
        // Stored on the task and emitted as a `progress` event. False means the attempt already
        // ended or lost its lease: there is nothing to report any more.
        await this.work.progress(value);
      }
    } finally {
      this.writing = null;
    }
  }
}
