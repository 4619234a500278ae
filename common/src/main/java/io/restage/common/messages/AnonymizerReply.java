package io.restage.common.messages;

import java.time.Instant;
import java.util.List;

/** Replies of the anonymizer service. */
public sealed interface AnonymizerReply extends Event {

    /**
     * Sent when a table's end marker passed through: every batch before it (same partition) is anonymized.
     * {@code ran} and {@code skipped} name the rules as {@code table.column:transformer}.
     */
    /** A table's end marker of export attempt {@code attempt} passed the anonymizer. */
    record TableAnonymized(String eventId, String refreshId, Instant occurredAt, String table, long rows,
                           List<String> ran, List<String> skipped, int attempt) implements AnonymizerReply {
    }

    record AnonymizationFailed(String eventId, String refreshId, Instant occurredAt, String table, String reason)
            implements AnonymizerReply, Event.Failure {
    }
}
