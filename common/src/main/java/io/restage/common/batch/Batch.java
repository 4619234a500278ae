package io.restage.common.batch;

/**
 * One decoded batch: its header and, for {@code ROWS}, the rows in PostgreSQL COPY text format
 * (one row per line, tab-separated, {@code \N} for NULL), exactly as {@code COPY ... TO STDOUT} produced them.
 */
public record Batch(BatchHeader header, byte[] payload) {
}
