package io.restage.orchestrator.api;

/** The JSON body of every refusal: a stable code and a message that says what was wrong and what to do. */
public record ApiError(int status, String error, String message) {
}
