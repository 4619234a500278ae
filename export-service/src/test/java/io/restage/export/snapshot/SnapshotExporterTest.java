package io.restage.export.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.restage.common.batch.Column;
import java.util.List;
import org.junit.jupiter.api.Test;

class SnapshotExporterTest {
    private static final List<Column> COLS = List.of(new Column("id", "bigint"));

    @Test
    void bigTablesBecomeContiguousPageRangesAndSmallOnesStayWhole() {
        SnapshotExporter e = new SnapshotExporter(() -> null, 2, 1 << 20, 20_000, 8192L * 100);
        List<SnapshotExporter.Chunk> chunks = e.chunks(List.of(new SourceTable("public", "small", COLS, 99),
                new SourceTable("public", "big", COLS, 1001)));
        List<SnapshotExporter.Chunk> big = chunks.stream().filter(c -> c.table().name().equals("big")).toList();
        assertEquals(4, big.size(), "2 x parallelism chunks");
        assertEquals(List.of(" where ctid >= '(0,0)'::tid and ctid < '(251,0)'::tid",
                " where ctid >= '(251,0)'::tid and ctid < '(502,0)'::tid",
                " where ctid >= '(502,0)'::tid and ctid < '(753,0)'::tid",
                " where ctid >= '(753,0)'::tid"), big.stream().sorted((a, b) -> a.index() - b.index())
                .map(SnapshotExporter.Chunk::where).toList(), "contiguous, the last one open-ended");
        assertEquals(1, big.stream().map(SnapshotExporter.Chunk::progress).distinct().count(), "one shared progress");
        SnapshotExporter.Chunk small = chunks.stream().filter(c -> c.table().name().equals("small")).findFirst().orElseThrow();
        assertEquals("", small.where());
        assertEquals("big", chunks.get(0).table().name(), "largest pieces first");
    }

    @Test
    void oneWorkerNeverSplits() {
        SnapshotExporter e = new SnapshotExporter(() -> null, 1, 1 << 20, 20_000, 8192);
        assertEquals(1, e.chunks(List.of(new SourceTable("public", "big", COLS, 10_000))).size());
    }
}
