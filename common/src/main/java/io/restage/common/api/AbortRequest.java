package io.restage.common.api;

/** {@code POST /api/refreshes/{id}/abort}: the target's hostname, typed to confirm, and why (at most 500 characters). */
public record AbortRequest(String confirmTarget, String reason) {
}
