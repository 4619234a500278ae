package io.restage.common.messages;

import java.time.Instant;
import java.util.List;

/** Replies of the import service. */
public sealed interface ImportReply extends Event {

    /**
     * Every exported table is staged in the target and proven complete (row counts and checksums equal to the
     * export's end markers), and the leak audit found no production value of a ruled column in the staged data.
     * Schema differences: tables only in the source (skipped) or only in the target (missing, emptied), columns only
     * in the source (dropped) or only in the target (defaulted), and columns whose type differs but converts
     * ({@code table.column: source type -> target type}). Nothing live was touched yet.
     */
    record StagingCompleted(String eventId, String refreshId, Instant occurredAt, List<TableCount> staged,
                            List<String> skippedTables, List<String> missingTables, List<String> droppedColumns,
                            List<String> defaultedColumns, List<String> convertedColumns, LeakAudit leakAudit)
            implements ImportReply {
    }

    /**
     * What the leak audit did: distinct fingerprints of audited source values, staged text-like columns and values
     * scanned (JSON strings and words of free text included), and the columns where fingerprints were found
     * ({@code table.column: n values}, never a value). A refresh with hits never reaches the pivot.
     */
    record LeakAudit(long fingerprints, int scannedColumns, long scannedValues, List<String> hits) {
    }

    record StagingFailed(String eventId, String refreshId, Instant occurredAt, String reason)
            implements ImportReply, Event.Failure {
    }

    /** Compensation done: nothing of the refresh is left in the target. Also sent when nothing was staged. */
    record StagingDiscarded(String eventId, String refreshId, Instant occurredAt) implements ImportReply {
    }

    /** Compensation failed: staged data could not be dropped. An operator must look (the live tables are untouched). */
    record StagingDiscardFailed(String eventId, String refreshId, Instant occurredAt, String reason)
            implements ImportReply, Event.Failure {
    }

    /** The pivot happened: the target holds the new data. */
    /** {@code hooks}: each post-refresh hook of the target and how it went (in-commit ones succeeded, or the commit failed). */
    record ImportCommitted(String eventId, String refreshId, Instant occurredAt, List<TableCount> imported,
                           List<HookResult> hooks) implements ImportReply {
        public ImportCommitted {
            hooks = hooks == null ? List.of() : List.copyOf(hooks);
        }

        public ImportCommitted(String eventId, String refreshId, Instant occurredAt, List<TableCount> imported) {
            this(eventId, refreshId, occurredAt, imported, null);
        }
    }

    /** One hook's outcome: {@code detail} is what happened (rows, an HTTP status, a SQLSTATE), never a value or secret. */
    record HookResult(String name, String when, boolean ok, String detail) {
    }

    /** The commit transaction rolled back: the target still holds its old data. */
    record CommitFailed(String eventId, String refreshId, Instant occurredAt, String reason)
            implements ImportReply, Event.Failure {
    }

    /** The undo committed: the target holds its data from before the refresh again. */
    record ImportUndone(String eventId, String refreshId, Instant occurredAt, List<TableCount> restored)
            implements ImportReply {
    }

    /** The undo was refused or rolled back: the target still holds the refresh's data. */
    record UndoFailed(String eventId, String refreshId, Instant occurredAt, String reason)
            implements ImportReply, Event.Failure {
    }
}
