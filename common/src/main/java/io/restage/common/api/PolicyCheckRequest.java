package io.restage.common.api;

/** {@code POST /api/policies/check}: the source to check; {@code suggest} adds a complete draft policy to the answer. */
public record PolicyCheckRequest(String source, Boolean suggest) {
}
