package io.restage.common.messages;

/** Rows of one table (schema-qualified name) at one stage of the pipeline. */
public record TableCount(String table, long rows) {
}
