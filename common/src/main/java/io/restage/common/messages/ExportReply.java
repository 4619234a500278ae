package io.restage.common.messages;

import java.time.Instant;
import java.util.List;

/** Replies of the export service. */
public sealed interface ExportReply extends Event {

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
}
