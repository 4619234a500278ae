package io.restage.orchestrator.saga;

/** An operator asked to put back the target's data from before this refresh. */
public record UndoRequested(String requestedBy) {
}
