package io.restage.media.plan;

import java.util.Comparator;

/**
 * The order S3 lists keys in: by their UTF-8 bytes, which is Unicode code point order (String.compareTo compares UTF-16
 * units and puts keys with characters beyond U+FFFF before U+E000..U+FFFF: not S3's order). PostgreSQL's
 * {@code COLLATE "C"} on a UTF-8 database sorts the same way, so keys read from the database merge with listings.
 */
public final class KeyOrder {
    public static final Comparator<String> BYTES = KeyOrder::compare;

    private KeyOrder() {
    }

    public static int compare(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }
}
