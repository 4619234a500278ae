package io.restage.anonymizer.transform;

import io.restage.common.policy.TransformerCatalog;
import io.restage.common.policy.TransformerSpec;
import java.util.List;

/**
 * {@code date-shift}: a date or timestamp moves by a keyed number of whole days, 1 to {@code window} (default 30)
 * either way, never zero. The number is keyed by the value of {@code key-column} in the same row (the entity: a
 * {@code user_id}), so every row of one entity moves by the same days and the intervals between them are kept
 * exactly, while another entity moves differently. Time of day, fraction and zone stay as written. A row whose
 * key is NULL is keyed by the value itself. NULL stays NULL.
 */
public final class DateShiftTransformer implements Transformer {
    private static final TransformerSpec SPEC = TransformerCatalog.spec("date-shift");
    private final String keyColumn;
    private final int window;

    public DateShiftTransformer(String keyColumn, String window) {
        if (keyColumn == null || keyColumn.isBlank()) {
            throw new IllegalArgumentException("date-shift needs key-column: the column naming the entity whose dates"
                    + " move together, e.g. key-column: user_id");
        }
        this.keyColumn = keyColumn.trim();
        this.window = Params.intParam("date-shift", "window", window, 30, 1, 3650);
    }

    @Override
    public TransformerSpec spec() {
        return SPEC;
    }

    @Override
    public List<String> reads() {
        return List.of(keyColumn);
    }

    /** Without the row (inside a json rule): keyed by the value itself. */
    @Override
    public String apply(String value, TransformContext ctx) {
        return apply(value, new String[]{null}, ctx);
    }

    @Override
    public String apply(String value, String[] row, TransformContext ctx) {
        if (value == null) {
            return null;
        }
        long days = shift(row[0] != null ? "key:" + row[0] : "value:" + value, ctx);
        return IsoDates.rewrite(value, "date-shift", d -> d.plusDays(days));
    }

    /** The entity's shift: 1 to window days, either way. */
    long shift(String entity, TransformContext ctx) {
        long h = ctx.hmacLong("date-shift", entity);
        long magnitude = 1 + Math.floorMod(h, (long) window);
        return (h & (1L << 62)) != 0 ? magnitude : -magnitude;
    }
}
