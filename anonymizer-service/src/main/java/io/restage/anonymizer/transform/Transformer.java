package io.restage.anonymizer.transform;

import io.restage.common.policy.TransformerSpec;
import java.util.List;
import java.util.function.Consumer;

/**
 * Replaces one column's value. Implementations are immutable and thread-safe, built once per table plan (never
 * per row), and must not log or return the input value. Each declares its catalogue entry ({@link #spec()}): name,
 * parameters, accepted column types, whether it keeps distinct values distinct, whether the leak audit looks for
 * its source values.
 */
public interface Transformer {

    TransformerSpec spec();

    /** The replacement of {@code value} (null for SQL NULL), in the column's COPY text form before escaping. */
    String apply(String value, TransformContext ctx);

    /**
     * Other columns of the same row whose source values this transformer reads (a {@code key-column} that keys a
     * date shift, a {@code country-column} that chooses the locale): the table plan resolves them once, and
     * {@link #apply(String, String[], TransformContext)} receives their values in this order.
     */
    default List<String> reads() {
        return List.of();
    }

    /** The replacement of {@code value} given the row's source values of {@link #reads()} (in that order). */
    default String apply(String value, String[] row, TransformContext ctx) {
        return apply(value, ctx);
    }

    /** The parts of a source value the leak audit fingerprints: the value itself, or (json) the values at its paths. */
    default void auditedValues(String value, Consumer<String> sink) {
        if (value != null) {
            sink.accept(value);
        }
    }

    default String name() {
        return spec().name();
    }

    default boolean accepts(String type) {
        return spec().accepts(type);
    }
}
