package io.restage.common.messages;

import java.time.Instant;

/**
 * A participant refused a control message it could not trust (unsigned, wrongly signed, stale, replayed, or naming a
 * refresh other than its key) or that broke a rule the participant enforces itself (an import into an environment
 * without {@code allow-import: true}). Nothing was done. The orchestrator records it in the audit log; it never moves a
 * saga. {@code refreshId} is the refused record's key as given (unverified), {@code reason} never quotes the message.
 */
public record MessageRefused(String eventId, String refreshId, Instant occurredAt, String service, String topic,
                             String messageType, String reason) implements Event {

    /** A report of a refused record: its key cut to a safe length (it is whatever the writer put there). */
    public static MessageRefused of(String service, String topic, String key, String messageType, String reason) {
        String k = key == null ? "unknown" : key.codePoints().filter(cp -> !Character.isISOControl(cp)).limit(80)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        return new MessageRefused(Message.newId(), k.isEmpty() ? "unknown" : k, Instant.now(), service, topic, messageType, reason);
    }
}
