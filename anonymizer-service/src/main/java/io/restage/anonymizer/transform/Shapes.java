package io.restage.anonymizer.transform;

/**
 * Format-preserving substitution: every digit becomes a digit and every letter a letter of the same case, chosen by
 * a keyed byte stream; everything else (separators, +, spaces, @) stays. Used where "same format" matters.
 */
final class Shapes {

    /** Replaces the characters of {@code value} after the first {@code keepDigits} digits, keyed by {@code purpose}. */
    static String substitute(String value, TransformContext ctx, String purpose, int keepDigits, boolean letters) {
        StringBuilder sb = new StringBuilder(value.length());
        byte[] stream = ctx.hmac(purpose, value);
        int used = 0;
        int block = 0;
        int digitsSeen = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean digit = c >= '0' && c <= '9';
            boolean lower = letters && c >= 'a' && c <= 'z';
            boolean upper = letters && c >= 'A' && c <= 'Z';
            if (digit && digitsSeen++ < keepDigits || !(digit || lower || upper)) {
                sb.append(c);
                continue;
            }
            if (used == stream.length) {
                stream = ctx.hmac(purpose + "/" + (++block), value);
                used = 0;
            }
            int b = stream[used++] & 0xff;
            sb.append(digit ? (char) ('0' + b % 10) : lower ? (char) ('a' + b % 26) : (char) ('A' + b % 26));
        }
        return sb.toString();
    }

    /** Reads the common {@code mode} parameter of the fake-value transformers. */
    enum Mode {
        FAKE, BLANK, NULL;

        static Mode of(String s) {
            if (s == null) {
                return FAKE;
            }
            return switch (s.trim().toLowerCase()) {
                case "fake" -> FAKE;
                case "blank" -> BLANK;
                case "null" -> NULL;
                default -> throw new IllegalArgumentException("mode must be fake, blank or null, got '" + s + "'");
            };
        }

        /** The value for BLANK and NULL modes, or null to mean "make a fake". */
        boolean replacesWithoutFake() {
            return this != FAKE;
        }

        String fixed() {
            return this == BLANK ? "" : null;
        }
    }

    private Shapes() {
    }
}
