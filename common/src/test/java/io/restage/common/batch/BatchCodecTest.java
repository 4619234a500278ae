package io.restage.common.batch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchCodecTest {
    private static final List<Column> COLS = List.of(new Column("id", "bigint"), new Column("email", "text"));

    @Test
    void shouldRoundTripRowsBatchWithCompressedPayload() {
        byte[] rows = "1\ta@x\n2\tb@y\n".repeat(1000).getBytes(StandardCharsets.UTF_8);
        BatchHeader h = BatchHeader.rows("r1", "public.users", 3, 2000, COLS, Checksums.of(rows), List.of("email"));
        byte[] record = BatchCodec.encode(h, rows);
        Batch b = BatchCodec.decode(record);
        assertEquals(h, b.header());
        assertArrayEquals(rows, b.payload());
        assertEquals(true, record.length < rows.length / 5, "payload is compressed");
    }

    @Test
    void reheaderShouldKeepThePayloadBytesAndSwapTheHeader() {
        byte[] rows = "1\ta@x\n".repeat(500).getBytes(StandardCharsets.UTF_8);
        BatchHeader h = BatchHeader.rows("r1", "public.t", 0, 500, COLS, Checksums.of(rows), List.of());
        byte[] record = BatchCodec.encode(h, rows);
        BatchHeader clean = h.withRoute("prod", "staging").anonymized(h.payloadChecksum(), 0, null);
        Batch b = BatchCodec.decode(BatchCodec.reheader(record, clean));
        assertEquals(clean, b.header());
        assertArrayEquals(rows, b.payload());
    }

    @Test
    void partsOfAnOversizedRowShouldRoundTripWithTheirPosition() {
        byte[] slice = "x".repeat(100).getBytes(StandardCharsets.UTF_8);
        BatchHeader part = BatchHeader.rows("r1", "public.docs", 7, 0, COLS, Checksums.of(slice), List.of()).asPart(1, 3);
        BatchHeader back = BatchCodec.decode(BatchCodec.encode(part, slice)).header();
        assertEquals(part, back);
        assertEquals(1, back.part());
        assertEquals(3, back.parts());
        assertEquals(0, back.rowCount(), "only the last part counts the row");
        assertEquals(1, part.asPart(2, 3).rowCount());
        assertEquals(true, back.inParts());
    }

    @Test
    void shouldRoundTripEndMarker() {
        BatchHeader end = BatchHeader.end("r1", "public.users", 42, COLS, 3, 123456789L, List.of());
        Batch b = BatchCodec.decode(BatchCodec.encode(end, null, 0));
        assertEquals(end, b.header());
        assertEquals(0, b.payload().length);
    }

    @Test
    void shouldDetectCorruptPayload() {
        byte[] rows = "1\ta\n".getBytes(StandardCharsets.UTF_8);
        BatchHeader h = BatchHeader.rows("r1", "t", 0, 1, COLS, Checksums.of(rows) + 1, List.of());
        assertThrows(IllegalArgumentException.class, () -> BatchCodec.decode(BatchCodec.encode(h, rows)));
    }

    @Test
    void shouldRefuseForeignRecords() {
        assertThrows(IllegalArgumentException.class, () -> BatchCodec.decode("{\"json\":true}".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void tableChecksumShouldNotDependOnBatchOrder() {
        long a = Checksums.of("a".getBytes(StandardCharsets.UTF_8));
        long b = Checksums.of("b".getBytes(StandardCharsets.UTF_8));
        assertEquals(Checksums.combine(Checksums.combine(0, a), b), Checksums.combine(Checksums.combine(0, b), a));
    }
}
