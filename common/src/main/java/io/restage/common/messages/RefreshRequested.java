package io.restage.common.messages;

import java.time.Instant;
import java.util.List;

/**
 * Published once by the orchestrator when a refresh is accepted. Export starts reading the source on it.
 * Environments are named, never described: credentials stay in each service's configuration.
 * Consumers must treat a second copy with the same refreshId as already handled. {@code riskAcknowledgement} is
 * the operator's typed acknowledgement, exactly {@link #RISK_ACKNOWLEDGEMENT} whenever {@code skipAnonymizers} is not
 * empty: the export refuses a request that skips anonymizers without it, whoever signed it.
 */
public record RefreshRequested(String eventId, String refreshId, Instant occurredAt, String source, String target,
                               List<String> skipAnonymizers, boolean media, String requestedBy,
                               String riskAcknowledgement, String subset) implements Message {
    public static final String RISK_ACKNOWLEDGEMENT = "I_UNDERSTAND_THE_PII_RISK";

    /** A whole-database refresh ({@code subset} null). */
    public RefreshRequested(String eventId, String refreshId, Instant occurredAt, String source, String target,
                            List<String> skipAnonymizers, boolean media, String requestedBy, String riskAcknowledgement) {
        this(eventId, refreshId, occurredAt, source, target, skipAnonymizers, media, requestedBy, riskAcknowledgement, null);
    }

    public RefreshRequested {
        skipAnonymizers = skipAnonymizers == null ? List.of() : List.copyOf(skipAnonymizers);
    }

    /** Skipping anonymizers is acknowledged (or nothing is skipped). */
    public boolean riskAcknowledged() {
        return skipAnonymizers.isEmpty() || RISK_ACKNOWLEDGEMENT.equals(riskAcknowledgement);
    }
}
