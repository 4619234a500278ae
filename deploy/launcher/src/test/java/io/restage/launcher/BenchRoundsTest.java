package io.restage.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class BenchRoundsTest {
    private static final String BASE = "pg_dump -Fc | pg_restore (one job)";

    @ParameterizedTest(name = "median of [{0}] is {1}")
    @CsvSource(delimiter = ';', value = {
            "3.0; 3.0",
            "5.0 1.0; 3.0",
            "9.0 1.0 4.0; 4.0",
            "4.0 1.0 9.0 2.0; 3.0",
    })
    void median(String values, double expected) {
        double[] v = java.util.Arrays.stream(values.split(" ")).mapToDouble(Double::parseDouble).toArray();
        assertEquals(expected, BenchRounds.median(v), 1e-9);
    }

    @Test
    void medianOfNothingIsNaN() {
        assertTrue(Double.isNaN(BenchRounds.median(new double[0])));
    }

    /** The ratio pairs each round with the base of that round: a slow round of both gives the same ratio as a fast one. */
    @Test
    void ratioIsTakenRoundByRound() {
        Map<String, SortedMap<Integer, double[]>> samples = new LinkedHashMap<>();
        samples.put(BASE, rounds(10, 20, 12));
        samples.put("warm", rounds(15, 30, 30));
        // per round 1.5, 1.5, 2.5: median 1.5; the medians of the seconds alone (30 / 12) would say 2.5
        assertEquals(1.5, BenchRounds.ratio(samples, "warm", BASE), 1e-9);
    }

    @Test
    void aRowOfOneRoundIsComparedWithThatRoundsBase() {
        Map<String, SortedMap<Integer, double[]>> samples = new LinkedHashMap<>();
        samples.put(BASE, rounds(10, 20));
        SortedMap<Integer, double[]> cold = new TreeMap<>();
        cold.put(1, new double[]{25, 0});
        samples.put("cold", cold);
        assertEquals(2.5, BenchRounds.ratio(samples, "cold", BASE), 1e-9);
    }

    @Test
    void aFailedSampleIsLeftOut() {
        Map<String, SortedMap<Integer, double[]>> samples = new LinkedHashMap<>();
        samples.put(BASE, rounds(10, 10, 10));
        samples.put("flaky", rounds(20, -1, 30));
        assertEquals(2.5, BenchRounds.ratio(samples, "flaky", BASE), 1e-9);
    }

    @Test
    void spreadListsEachRoundOfRowsRunMoreThanOnce() {
        Map<String, SortedMap<Integer, double[]>> samples = new LinkedHashMap<>();
        samples.put(BASE, rounds(10, 20));
        samples.put("warm", rounds(15, 30));
        SortedMap<Integer, double[]> once = new TreeMap<>();
        once.put(1, new double[]{40, 0});
        samples.put("cold", once);
        String out = BenchRounds.spread(samples, BASE);
        assertTrue(out.contains("r1 15.0 s (1.50x)  r2 30.0 s (1.50x)"), out);
        assertTrue(out.contains("r1 10.0 s  r2 20.0 s"), out);
        assertTrue(!out.contains("cold"), out);
    }

    private static SortedMap<Integer, double[]> rounds(double... seconds) {
        SortedMap<Integer, double[]> m = new TreeMap<>();
        for (int i = 0; i < seconds.length; i++) {
            m.put(i + 1, new double[]{seconds[i], 0});
        }
        return m;
    }
}
