package io.restage.launcher;

import java.util.Arrays;
import java.util.Map;
import java.util.SortedMap;

/**
 * The benchmark's arithmetic over rounds: each row's samples by round ({seconds, CPU seconds}), the median, and the ratio
 * to the base row (pg_dump | pg_restore) taken round by round, so a ratio compares runs minutes apart on one server and
 * not a fast round of one with a slow round of the other.
 */
final class BenchRounds {
    private BenchRounds() {
    }

    /** The median of the values (the mean of the two middle ones for an even count); NaN for none. */
    static double median(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] v = values.clone();
        Arrays.sort(v);
        int m = v.length / 2;
        return v.length % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
    }

    /**
     * The median over the rounds both rows ran in of row / base; a row whose rounds the base never ran in is compared
     * with the base's median. NaN when either row has no successful sample.
     */
    static double ratio(Map<String, SortedMap<Integer, double[]>> samples, String row, String base) {
        SortedMap<Integer, double[]> r = samples.get(row);
        SortedMap<Integer, double[]> b = samples.get(base);
        if (r == null || b == null) {
            return Double.NaN;
        }
        double[] same = r.entrySet().stream().filter(e -> b.containsKey(e.getKey()) && e.getValue()[0] > 0 && b.get(e.getKey())[0] > 0)
                .mapToDouble(e -> e.getValue()[0] / b.get(e.getKey())[0]).toArray();
        if (same.length > 0) {
            return median(same);
        }
        double baseMedian = median(b.values().stream().mapToDouble(x -> x[0]).filter(x -> x > 0).toArray());
        double rowMedian = median(r.values().stream().mapToDouble(x -> x[0]).filter(x -> x > 0).toArray());
        return rowMedian / baseMedian;
    }

    /** One line per row run more than once: its seconds and its ratio to the base in each round. */
    static String spread(Map<String, SortedMap<Integer, double[]>> samples, String base) {
        StringBuilder out = new StringBuilder();
        SortedMap<Integer, double[]> b = samples.get(base);
        samples.forEach((row, byRound) -> {
            if (byRound.size() < 2) {
                return;
            }
            out.append(String.format("  %-60s", row));
            byRound.forEach((round, v) -> {
                out.append(String.format("  r%d %.1f s", round, v[0]));
                if (b != null && b.containsKey(round) && !row.equals(base) && v[0] > 0 && b.get(round)[0] > 0) {
                    out.append(String.format(" (%.2fx)", v[0] / b.get(round)[0]));
                }
            });
            out.append('\n');
        });
        return out.toString();
    }
}
