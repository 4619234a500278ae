package io.restage.orchestrator.saga;

/** An operator asked to cancel (REST); handled by the transitions table like a participant's reply. */
public record CancelRequested(String requestedBy) {
}
