package io.restage.media.plan;

/** A key the refreshed rows reference; {@code placeholder} when a placeholder column references it (that wins). */
public record Referenced(String key, boolean placeholder, boolean keepDimensions) {
}
