package io.restage.common.messages;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.UUID;

/**
 * What every control message carries. {@code eventId} is unique per message and is what consumers record to
 * stay idempotent (a redelivered message with a known id changes nothing). {@code refreshId} is also the
 * Kafka key, so all messages of one refresh stay in order. The {@code type} field on the wire is the stable
 * name given in {@code @JsonSubTypes}; Java class names never travel.
 */
public interface Message {
    int SCHEMA_VERSION = 1;

    String eventId();

    String refreshId();

    Instant occurredAt();

    @JsonProperty("schemaVersion")
    default int schemaVersion() {
        return SCHEMA_VERSION;
    }

    static String newId() {
        return UUID.randomUUID().toString();
    }
}
