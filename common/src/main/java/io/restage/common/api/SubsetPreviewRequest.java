package io.restage.common.api;

/** {@code POST /api/subsets/preview}: the rows a refresh of {@code source} with subset {@code subset} would copy. */
public record SubsetPreviewRequest(String source, String subset) {
}
