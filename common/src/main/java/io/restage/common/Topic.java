package io.restage.common;

/**
 * A Kafka topic and the Java type its values decode to. Keys are always the refresh id (control topics) or
 * {@code refreshId/table} (batch topics), so that one refresh, and one table's batches, stay ordered.
 */
public record Topic<T>(String name, Class<T> valueType) {
    @Override
    public String toString() {
        return name;
    }
}
