package io.restage.media.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The plan compares two listings of a million keys each in a JVM whose whole heap is 48 MB (a million listed objects in
 * memory would need well over 100 MB): it holds one element of each stream, never a listing. Run in a child JVM so the
 * cap is real; the listings are generated in S3's order, as the S3 client's pages deliver them.
 */
class PlanMemoryTest {

    /** A sorted stream of {@code n} keys "k/0000000" ..., the target lacking every 1000th and differing on every 997th. */
    static Iterator<Listed> listing(int n, boolean target) {
        return new Iterator<>() {
            private int i;

            @Override
            public boolean hasNext() {
                while (target && i < n && i % 1000 == 0) {
                    i++;
                }
                return i < n;
            }

            @Override
            public Listed next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                int k = i++;
                String etag = target && k % 997 == 0 ? "changed" : "etag-" + (k % 13);
                return new Listed(String.format("k/%07d", k), etag, 0);
            }
        };
    }

    /** The child's entry point: plans the copy of two listings and prints the counts. */
    public static void main(String[] args) {
        int n = Integer.parseInt(args[0]);
        long copy = 0;
        long same = 0;
        Iterator<MediaPlan.Step> plan = MediaPlan.mirror(new Sorted<>(listing(n, false), Listed::key, "source"),
                new Sorted<>(listing(n, true), Listed::key, "target"));
        while (plan.hasNext()) {
            if (plan.next().kind() == MediaPlan.Kind.COPY) {
                copy++;
            } else {
                same++;
            }
        }
        long orphans = 0;
        Iterator<Listed> o = MediaPlan.orphans(new Sorted<>(listing(n, false), Listed::key, "target"),
                new Iterator<>() {
                    private final Iterator<Listed> src = listing(n, true);

                    @Override
                    public boolean hasNext() {
                        return src.hasNext();
                    }

                    @Override
                    public String next() {
                        return src.next().key();
                    }
                });
        while (o.hasNext()) {
            o.next();
            orphans++;
        }
        System.out.println(copy + " " + same + " " + orphans);
    }

    @Test
    void aMillionObjectListingPairIsComparedIn48Megabytes() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("java.class.path");
        Process p = new ProcessBuilder(java, "-Xmx48m", "-XX:+UseSerialGC", "-cp", cp, PlanMemoryTest.class.getName(), "1000000")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the child did not end");
        assertEquals(0, p.exitValue(), out);
        String[] counts = out.split("\\s+");
        // the target lacks 1,000 keys and holds 1,003 others that differ (every 997th, not a multiple of 1000 ... minus overlap)
        long missing = 1000;
        long changed = 0;
        for (int k = 0; k < 1_000_000; k++) {
            if (k % 997 == 0 && k % 1000 != 0) {
                changed++;
            }
        }
        assertEquals(missing + changed, Long.parseLong(counts[0]), out);
        assertEquals(1_000_000 - missing - changed, Long.parseLong(counts[1]), out);
        assertEquals(missing, Long.parseLong(counts[2]), "keys only the bigger listing has: " + out);
        System.out.printf("media plan: 2 x 1,000,000 listed objects compared in a 48 MB heap: %s copies, %s unchanged%n",
                counts[0], counts[1]);
    }
}
