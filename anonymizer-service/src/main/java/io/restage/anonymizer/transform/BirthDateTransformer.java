package io.restage.anonymizer.transform;

import io.restage.common.policy.TransformerCatalog;
import io.restage.common.policy.TransformerSpec;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;

/**
 * {@code birth-date}: a date that is never the real day. {@code keep: year} (default) draws another day of the same
 * year, {@code keep: decade} another day of the same decade (1980 to 1989), {@code keep: shift} moves the date by a
 * keyed 1 to {@code window} days either way. Ages stay right to the year (or decade), the day identifies nobody.
 * Keyed by the value, so the same birth date gives the same fake everywhere. NULL stays NULL.
 */
public final class BirthDateTransformer implements Transformer {
    private static final TransformerSpec SPEC = TransformerCatalog.spec("birth-date");

    private enum Keep { YEAR, DECADE, SHIFT }

    private final Keep keep;
    private final int window;

    public BirthDateTransformer(String keep, String window) {
        String k = keep == null ? "year" : keep.trim().toLowerCase();
        this.keep = switch (k) {
            case "year" -> Keep.YEAR;
            case "decade" -> Keep.DECADE;
            case "shift" -> Keep.SHIFT;
            default -> throw new IllegalArgumentException("birth-date keep must be year, decade or shift, got '" + keep + "'");
        };
        if (window != null && this.keep != Keep.SHIFT) {
            throw new IllegalArgumentException("birth-date window applies to keep: shift only");
        }
        this.window = Params.intParam("birth-date", "window", window, 30, 1, 3650);
    }

    @Override
    public TransformerSpec spec() {
        return SPEC;
    }

    @Override
    public String apply(String value, TransformContext ctx) {
        if (value == null) {
            return null;
        }
        long h = ctx.hmacLong("birth-date", value.strip());
        return IsoDates.rewrite(value, "birth-date", d -> fake(d, h));
    }

    private LocalDate fake(LocalDate d, long h) {
        if (keep == Keep.SHIFT) {
            long magnitude = 1 + Math.floorMod(h, (long) window);
            return d.plusDays((h & (1L << 62)) != 0 ? magnitude : -magnitude);
        }
        LocalDate first = keep == Keep.YEAR ? d.withDayOfYear(1)
                : LocalDate.of(Math.floorDiv(d.getYear(), 10) * 10, 1, 1);
        LocalDate end = keep == Keep.YEAR ? first.plusYears(1) : first.plusYears(10);
        long days = ChronoUnit.DAYS.between(first, end);
        // one of the other days of the period: skip over the real one, so it is never drawn
        long offset = Math.floorMod(h, days - 1);
        long real = ChronoUnit.DAYS.between(first, d);
        return first.plusDays(offset >= real ? offset + 1 : offset);
    }
}
