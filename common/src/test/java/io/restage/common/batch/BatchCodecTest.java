package io.restage.common.batch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    void shouldStillReadTheGzipRecordsOfAnEarlierRelease() throws Exception {
        // an RSB1 record as the earlier release wrote it (gzip), still on the broker during an upgrade
        byte[] rows = "1\ta@x\n2\tb@y\n".repeat(300).getBytes(StandardCharsets.UTF_8);
        BatchHeader h = BatchHeader.rows("r1", "public.users", 3, 600, COLS, Checksums.of(rows), List.of("email"));
        byte[] headerJson = io.restage.common.Json.MAPPER.writeValueAsBytes(h);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(new byte[]{'R', 'S', 'B', '1'});
        out.write(java.nio.ByteBuffer.allocate(4).putInt(headerJson.length).array());
        out.write(headerJson);
        try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(out)) {
            gz.write(rows);
        }
        byte[] old = out.toByteArray();
        assertArrayEquals(rows, BatchCodec.decode(old).payload());
        BatchHeader clean = h.anonymized(h.payloadChecksum(), 0, null);
        byte[] passed = BatchCodec.reheader(old, clean);
        assertEquals('1', passed[3], "a passed-through payload keeps its codec");
        assertArrayEquals(rows, BatchCodec.decode(passed).payload());
        assertEquals('2', BatchCodec.encode(h, rows)[3], "new records are LZ4 (RSB2)");
    }

    @Test
    void shouldRefuseACorruptOrHostileLz4Payload() {
        byte[] rows = "1\ta@x\n".repeat(200).getBytes(StandardCharsets.UTF_8);
        BatchHeader h = BatchHeader.rows("r1", "public.users", 0, 200, COLS, Checksums.of(rows), List.of());
        byte[] record = BatchCodec.encode(h, rows);
        int start = 8 + java.nio.ByteBuffer.wrap(record, 4, 4).getInt();
        // a length far beyond any batch: refused before anything is allocated
        byte[] huge = record.clone();
        java.nio.ByteBuffer.wrap(huge, start, 4).putInt(Integer.MAX_VALUE);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BatchCodec.decode(huge)).getMessage().contains("declares"));
        // cut short, and bytes changed inside the block: refused, never a partial payload
        byte[] cut = java.util.Arrays.copyOf(record, record.length - 5);
        assertThrows(IllegalArgumentException.class, () -> BatchCodec.decode(cut));
        byte[] changed = record.clone();
        for (int i = start + 4; i < changed.length; i += 3) {
            changed[i] ^= 0x5a;
        }
        assertThrows(IllegalArgumentException.class, () -> BatchCodec.decode(changed));
        byte[] noLength = java.util.Arrays.copyOf(record, start + 2);
        assertThrows(IllegalArgumentException.class, () -> BatchCodec.decode(noLength));
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
