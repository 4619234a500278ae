package io.restage.common.api;

/** {@code POST /api/refreshes/{id}/undo}: the target's hostname, typed to confirm. */
public record ConfirmRequest(String confirmTarget) {
}
