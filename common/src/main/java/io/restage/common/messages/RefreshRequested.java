package io.restage.common.messages;

import java.time.Instant;
import java.util.List;

/**
 * Published once by the orchestrator when a refresh is accepted. Export starts reading the source on it.
 * Environments are named, never described: credentials stay in each service's configuration.
 * Consumers must treat a second copy with the same refreshId as already handled.
 */
public record RefreshRequested(String eventId, String refreshId, Instant occurredAt, String source, String target,
                               List<String> skipAnonymizers, boolean media, String requestedBy) implements Message {
    public RefreshRequested {
        skipAnonymizers = skipAnonymizers == null ? List.of() : List.copyOf(skipAnonymizers);
    }
}
