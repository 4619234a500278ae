package io.restage.export.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restage.common.config.SubsetConfig;
import io.restage.common.messages.TableCount;
import io.restage.export.batching.BatchSender;
import io.restage.stack.testing.StackTestResource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A subset of a two-million-row table, exported for real (COPY out of the snapshot, batches cut and encoded) under the
 * heap the export service runs with (this module's tests run with -Xmx256m): the subset's row identities stay in the
 * source, the rows stream, nothing is held.
 */
@QuarkusTest
@QuarkusTestResource(StackTestResource.class)
class SubsetExportTest {

    @Test
    void halfOfATwoMillionRowTableStreamsUnderTheServicesHeap() throws Exception {
        String url = StackTestResource.stack().jdbcUrl("production");
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement st = c.createStatement()) {
            st.execute("drop table if exists subset_big_child, subset_big");
            st.execute("create table subset_big (id bigint primary key, grp int not null, body text not null)");
            st.execute("insert into subset_big select i, i % 100, md5(i::text) || md5((i * 7)::text) from generate_series(1, 2000000) i");
            st.execute("create table subset_big_child (id bigint primary key, big_id bigint not null references subset_big(id))");
            st.execute("insert into subset_big_child select i, i * 3 from generate_series(1, 600000) i");
            st.execute("analyze subset_big, subset_big_child");
        }
        try {
            SubsetConfig half = new SubsetConfig("half", List.of(new SubsetConfig.Root("public.subset_big", "grp < 50", null)),
                    List.of(), List.of(), List.of());
            AtomicLong bytes = new AtomicLong();
            AtomicLong records = new AtomicLong();
            BatchSender counting = new BatchSender() {
                @Override
                public void send(String key, byte[] record) {
                    bytes.addAndGet(record.length);
                    records.incrementAndGet();
                }

                @Override
                public void flush() {
                }
            };
            SnapshotExporter exporter = new SnapshotExporter(() -> DriverManager.getConnection(url, "postgres", ""), 2,
                    1 << 20, 20_000, 64L << 20);
            Runtime rt = Runtime.getRuntime();
            long start = System.nanoTime();
            List<TableCount> counts = exporter.export(new SnapshotExporter.Route("subset-big", "production", "staging", List.of(), "p"),
                    t -> !t.startsWith("public.subset_big"), snapshot -> { }, counting, (tables, estimates) -> { }, () -> false,
                    new SnapshotExporter.Subset(half, "subset-export-secret-0123456789"));
            double seconds = (System.nanoTime() - start) / 1e9;
            long big = counts.stream().filter(t -> t.table().equals("public.subset_big")).findFirst().orElseThrow().rows();
            long child = counts.stream().filter(t -> t.table().equals("public.subset_big_child")).findFirst().orElseThrow().rows();
            assertEquals(1_000_000, big, "the roots: grp < 50");
            // children of a root come down: big_id = 3i with (3i % 100) < 50
            assertEquals(300_000, child);
            assertTrue(exporter.sourceMaxima().get("public.subset_big.id") == null, "no sequence feeds these ids");
            System.out.printf("subset export: %,d + %,d rows of a 2,000,000-row table in %.1f s, %,d batches, %,d MB encoded,"
                            + " heap max %d MB (used now %d MB)%n", big, child, seconds, records.get(), bytes.get() >> 20,
                    rt.maxMemory() >> 20, (rt.totalMemory() - rt.freeMemory()) >> 20);
        } finally {
            try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement st = c.createStatement()) {
                st.execute("drop table if exists subset_big_child, subset_big");
            }
        }
    }
}
