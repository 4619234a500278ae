package io.restage.common.api;

/**
 * The body of a change that needs nothing more ({@code cancel}, schedule {@code pause} and {@code resume}): {@code {}},
 * sent as {@code application/json} so that no cross-site form can post it.
 */
public record EmptyRequest() {
}
