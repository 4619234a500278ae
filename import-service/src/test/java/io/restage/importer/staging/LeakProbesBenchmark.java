package io.restage.importer.staging;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Not a test (surefire skips *Benchmark): the leak probes of real rows in 1 MiB batches, timed, six rounds in one JVM.
 * {@code -Dprobes.dir=DIR} holds COPY text files of the SaaS benchmark's tables ({@code \copy messages to DIR/messages.txt},
 * likewise pages, events, users, comments: RefreshBenchmark's saas-schema.sql and saas-data.sql generate them). Run
 * with {@code -Dtest=LeakProbesBenchmark -Dsurefire.failIfNoSpecifiedTests=false -DargLine="-Xmx3g -XX:+UseSerialGC"}.
 */
class LeakProbesBenchmark {
    record Table(String file, int fields, List<LeakProbes.Scanned> cols) {
    }

    @Test
    void probeRealRows() throws Exception {
        Path dir = Path.of(System.getProperty("probes.dir", "/tmp/cp"));
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(dir.resolve("messages.txt")),
                "no COPY files in " + dir + " (-Dprobes.dir)");
        List<Table> tables = List.of(
                new Table("messages", 6, List.of(new LeakProbes.Scanned(3, "subject", LeakProbes.Shape.TEXT),
                        new LeakProbes.Scanned(4, "body", LeakProbes.Shape.TEXT))),
                new Table("pages", 7, List.of(new LeakProbes.Scanned(3, "title", LeakProbes.Shape.TEXT),
                        new LeakProbes.Scanned(4, "body", LeakProbes.Shape.TEXT), new LeakProbes.Scanned(5, "labels", LeakProbes.Shape.TEXT_ARRAY))),
                new Table("events", 4, List.of(new LeakProbes.Scanned(2, "kind", LeakProbes.Shape.TEXT),
                        new LeakProbes.Scanned(3, "payload", LeakProbes.Shape.JSON))),
                new Table("users", 11, List.of(new LeakProbes.Scanned(2, "email", LeakProbes.Shape.TEXT),
                        new LeakProbes.Scanned(3, "full_name", LeakProbes.Shape.TEXT), new LeakProbes.Scanned(4, "phone", LeakProbes.Shape.TEXT),
                        new LeakProbes.Scanned(5, "password_hash", LeakProbes.Shape.TEXT), new LeakProbes.Scanned(6, "role", LeakProbes.Shape.TEXT),
                        new LeakProbes.Scanned(7, "preferences", LeakProbes.Shape.JSON), new LeakProbes.Scanned(8, "tags", LeakProbes.Shape.TEXT_ARRAY))),
                new Table("comments", 5, List.of(new LeakProbes.Scanned(3, "body", LeakProbes.Shape.TEXT))));
        byte[] key = new byte[32];
        List<Object[]> batches = new ArrayList<>();
        for (Table t : tables) {
            byte[] all = Files.readAllBytes(dir.resolve(t.file() + ".txt"));
            int pos = 0;
            while (pos < all.length) {
                int end = Math.min(all.length, pos + (1 << 20));
                while (end < all.length && all[end - 1] != '\n') {
                    end++;
                }
                batches.add(new Object[]{java.util.Arrays.copyOfRange(all, pos, end), t});
                pos = end;
            }
        }
        for (int round = 0; round < 6; round++) {
            long start = System.nanoTime();
            long fps = 0;
            long values = 0;
            for (Object[] b : batches) {
                Table t = (Table) b[1];
                for (LeakProbes.ColumnProbes p : LeakProbes.probe((byte[]) b[0], t.fields(), t.cols(), key)) {
                    fps += p.fingerprints().length;
                    values += p.values();
                }
            }
            System.out.printf("round %d: %d batches, %,d values, %,d probes, %.0f ms%n", round, batches.size(), values, fps,
                    (System.nanoTime() - start) / 1e6);
        }
    }
}
