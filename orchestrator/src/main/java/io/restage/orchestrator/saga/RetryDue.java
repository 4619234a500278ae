package io.restage.orchestrator.saga;

/** The scheduler's tick for a step after the pivot that failed and must be retried until done. */
public record RetryDue() {
}
