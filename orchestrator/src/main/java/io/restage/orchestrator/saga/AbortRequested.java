package io.restage.orchestrator.saga;

/**
 * An operator's way out of a refresh that is stuck (a participant that never answers): fail it now, send every
 * compensation that can still be sent without waiting for answers, release the target, and say what could not be
 * compensated. Also after the pivot.
 */
public record AbortRequested(String requestedBy, String reason) {
}
