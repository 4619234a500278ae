package io.restage.common.batch;

/** A column as the source declares it: name and {@code format_type()} text, e.g. {@code character varying(255)}. */
public record Column(String name, String type) {
}
