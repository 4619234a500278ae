package io.restage.common.messages;

import java.time.Instant;

/**
 * A participant could not process a control message for this refresh, after retrying transient failures with back-off:
 * the record went to {@code refresh.dead-letter} as it arrived, and the refresh's step the participant performs fails
 * with this reason (a command whose outcome may have happened, a commit, ends unconfirmed instead). {@code reason}
 * names what failed, never a value from the data.
 */
public record MessageDeadLettered(String eventId, String refreshId, Instant occurredAt, String service, String topic,
                                  String messageType, String reason) implements Event {
}
