package io.restage.anonymizer.transform;

import java.time.DateTimeException;
import java.time.LocalDate;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The date part of PostgreSQL's ISO output ({@code 2024-03-05}, {@code 2024-03-05 10:11:12.5+01},
 * {@code 0044-03-15 BC}) rewritten in place: the time, fraction and zone after it stay as written, so shifting the
 * date by whole days moves every instant by exactly that many days. {@code infinity} and {@code -infinity} carry no
 * date and stay.
 */
final class IsoDates {
    private static final Pattern ISO = Pattern.compile("^(\\d{4,})-(\\d{2})-(\\d{2})(.*?)( BC)?$", Pattern.DOTALL);

    /** The value with its date replaced by {@code change} of it; refused (never echoed) when it has no ISO date. */
    static String rewrite(String value, String transformer, UnaryOperator<LocalDate> change) {
        String v = value.strip();
        if (v.equals("infinity") || v.equals("-infinity")) {
            return v;
        }
        Matcher m = ISO.matcher(v);
        if (!m.matches()) {
            throw new IllegalArgumentException("a value of a " + transformer + " column is not an ISO date"
                    + " (yyyy-mm-dd...): text columns must hold ISO dates");
        }
        LocalDate d;
        try {
            int year = Integer.parseInt(m.group(1));
            d = LocalDate.of(m.group(5) != null ? 1 - year : year, Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
        } catch (DateTimeException | NumberFormatException e) {
            throw new IllegalArgumentException("a value of a " + transformer + " column is not a valid date");
        }
        LocalDate out = change.apply(d);
        int y = out.getYear();
        boolean bc = y <= 0;
        return String.format("%04d-%02d-%02d", bc ? 1 - y : y, out.getMonthValue(), out.getDayOfMonth())
                + m.group(4) + (bc ? " BC" : "");
    }

    private IsoDates() {
    }
}
