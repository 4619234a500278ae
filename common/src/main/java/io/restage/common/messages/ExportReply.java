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

    /**
     * The snapshot is open; these tables (schema-qualified) will be streamed, in no particular order. {@code attempt}
     * counts the snapshots this refresh's export has opened (1, or more after {@link ExportRestarted}). {@code estimates}:
     * the source's row estimate per table (its statistics, not a count), for progress bars; a table may be missing.
     */
    record ExportStarted(String eventId, String refreshId, Instant occurredAt, List<String> tables, int attempt,
                         java.util.Map<String, Long> estimates) implements ExportReply {
        public ExportStarted {
            estimates = estimates == null ? java.util.Map.of() : java.util.Map.copyOf(estimates);
        }

        public ExportStarted(String eventId, String refreshId, Instant occurredAt, List<String> tables, int attempt) {
            this(eventId, refreshId, occurredAt, tables, attempt, null);
        }
    }

    /**
     * Every table's batches and end marker of snapshot {@code attempt} were written to {@code batches.exported}: only
     * that attempt's batches make the refresh complete.
     */
    /**
     * {@code sourceMaxima}: for a subset, the source's largest value of each column a sequence feeds
     * ({@code schema.table.column}), so the target's sequences are set past the source's, not only past the rows copied.
     */
    record ExportCompleted(String eventId, String refreshId, Instant occurredAt, List<TableCount> tables,
                           List<String> excludedTables, int attempt, java.util.Map<String, Long> sourceMaxima) implements ExportReply {
        public ExportCompleted {
            sourceMaxima = sourceMaxima == null ? java.util.Map.of() : java.util.Map.copyOf(sourceMaxima);
        }

        public ExportCompleted(String eventId, String refreshId, Instant occurredAt, List<TableCount> tables,
                               List<String> excludedTables, int attempt) {
            this(eventId, refreshId, occurredAt, tables, excludedTables, attempt, null);
        }
    }

    /**
     * The export was interrupted ({@code reason}: its instance died, or a transient fault of the source or broker) and
     * reads every table again under a new snapshot, number {@code attempt}. Batches of earlier attempts are discarded
     * by the importer, so two snapshots never mix.
     */
    record ExportRestarted(String eventId, String refreshId, Instant occurredAt, int attempt, String reason)
            implements ExportReply {
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
