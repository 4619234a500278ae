package io.restage.common.messages;

import java.time.Instant;
import java.util.List;

/** Replies of the export service. */
public sealed interface ExportReply extends Event {

    /**
     * The policy check passed inside the export's snapshot (the first step of every refresh): every column that
     * looks personal has a rule, every rule fits its column. The export goes on.
     */
    record PolicyValidated(String eventId, String refreshId, Instant occurredAt, int tables, int columns,
                           int sampledValues) implements ExportReply {
    }

    /**
     * The policy check found problems: nothing was exported. {@code problems} name table, column and fix, never
     * a value.
     */
    record PolicyRejected(String eventId, String refreshId, Instant occurredAt, String reason, List<String> problems)
            implements ExportReply, Event.Failure {
    }

    /** The snapshot is open; these tables (schema-qualified) will be streamed, in no particular order. */
    record ExportStarted(String eventId, String refreshId, Instant occurredAt, List<String> tables)
            implements ExportReply {
    }

    /** Every table's batches and end marker were written to {@code batches.exported}. */
    record ExportCompleted(String eventId, String refreshId, Instant occurredAt, List<TableCount> tables,
                           List<String> excludedTables) implements ExportReply {
    }

    record ExportFailed(String eventId, String refreshId, Instant occurredAt, String reason)
            implements ExportReply, Event.Failure {
    }

    /**
     * The refresh's data key is destroyed ({@code keyDestroyed} false when there was none left to destroy) and the batch
     * records every restage consumer had read were deleted from the broker ({@code recordsDeleted}, across refreshes).
     */
    record RefreshDataShredded(String eventId, String refreshId, Instant occurredAt, boolean keyDestroyed, long recordsDeleted)
            implements ExportReply {
    }
}
