package io.restage.anonymizer.transform;

import java.util.Set;

/**
 * Replaces one column's value. Implementations are immutable and thread-safe, built once per table plan (never
 * per row), and must not log or return the input value.
 */
public interface Transformer {
    /** Column types any transformer that writes text accepts ({@code format_type} prefixes). */
    Set<String> TEXT_TYPES = Set.of("text", "character varying", "character", "citext", "varchar", "bpchar");

    /** The name used in policies, e.g. {@code email}. */
    String name();

    /** Type prefixes ({@code format_type()} text) this transformer can write; empty means any type. */
    Set<String> acceptedTypes();

    /** The replacement of {@code value} (null for SQL NULL). */
    String apply(String value, TransformContext ctx);

    default boolean accepts(String type) {
        if (acceptedTypes().isEmpty()) {
            return true;
        }
        String t = type.toLowerCase();
        for (String a : acceptedTypes()) {
            if (t.startsWith(a)) {
                return true;
            }
        }
        return false;
    }
}
