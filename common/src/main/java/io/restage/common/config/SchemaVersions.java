package io.restage.common.config;

/**
 * Orders schema versions as migration tools write them ({@code 2}, {@code 1.10.3}, {@code 2024_05_01__a}):
 * segments split on dots, underscores and dashes compare as numbers when both are numbers, else as text, so
 * {@code 1.10} is newer than {@code 1.9}.
 */
public final class SchemaVersions {

    public static int compare(String a, String b) {
        String[] x = a.trim().split("[._-]+");
        String[] y = b.trim().split("[._-]+");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            String p = i < x.length ? x[i] : "0";
            String q = i < y.length ? y[i] : "0";
            int c;
            if (p.matches("\\d+") && q.matches("\\d+")) {
                c = new java.math.BigInteger(p).compareTo(new java.math.BigInteger(q));
            } else {
                c = p.compareTo(q);
            }
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    private SchemaVersions() {
    }
}
