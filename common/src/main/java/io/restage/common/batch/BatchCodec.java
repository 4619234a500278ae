package io.restage.common.batch;

import io.restage.common.Json;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;

/**
 * Binary layout of a batch record: a magic, a 4-byte big-endian header length, the header as UTF-8 JSON, then the
 * COPY text payload compressed (nothing for END markers). {@code "RSB2"} (written): the payload's length (4 bytes)
 * and one LZ4 block. {@code "RSB1"} (still read, from an earlier release): a gzip stream. LZ4 replaced gzip because
 * every batch is compressed once and decompressed twice on its way (export, anonymizer, importer): on COPY text,
 * gzip level 1 ran at 118 MB/s compressing and 246 MB/s inflating on the benchmark machine, LZ4 at 402 and 693 MB/s
 * (for 40 % more bytes on the broker).
 */
public final class BatchCodec {
    private static final byte[] MAGIC = {'R', 'S', 'B', '2'};
    private static final byte[] MAGIC_GZIP = {'R', 'S', 'B', '1'};
    /** A payload declaring more than this is refused before anything is allocated (a batch is about 1 MiB). */
    static final int MAX_PAYLOAD = 256 * 1024 * 1024;
    private static final LZ4Factory LZ4 = lz4();

    /**
     * The native LZ4 (JNI, 2.2x the Java code's speed here). {@code fastestInstance()} would not try it under an
     * application class loader (Quarkus'), and the pure-Java fallback cost a third of the export's CPU. Where the native
     * library cannot load (another class loader has it, an unknown platform), the Java one.
     */
    private static LZ4Factory lz4() {
        try {
            return LZ4Factory.nativeInstance();
        } catch (Throwable unavailable) {
            return LZ4Factory.fastestJavaInstance();
        }
    }

    public static byte[] encode(BatchHeader header, byte[] payload, int payloadLength) {
        return encode(header, payload, 0, payloadLength);
    }

    /** Encodes {@code payload[offset, offset + payloadLength)} (a slice of a row too large for one batch). */
    public static byte[] encode(BatchHeader header, byte[] payload, int offset, int payloadLength) {
        try {
            byte[] headerJson = Json.MAPPER.writeValueAsBytes(header);
            LZ4Compressor lz4 = LZ4.fastCompressor();
            int start = 8 + headerJson.length;
            byte[] out = new byte[start + (payloadLength > 0 ? 4 + lz4.maxCompressedLength(payloadLength) : 0)];
            ByteBuffer b = ByteBuffer.wrap(out).put(MAGIC).putInt(headerJson.length).put(headerJson);
            if (payloadLength == 0) {
                return out;
            }
            b.putInt(payloadLength);
            int n = lz4.compress(payload, offset, payloadLength, out, start + 4, out.length - start - 4);
            return Arrays.copyOf(out, start + 4 + n);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode batch " + header.key() + "#" + header.seq(), e);
        }
    }

    public static byte[] encode(BatchHeader header, byte[] payload) {
        return encode(header, payload, payload == null ? 0 : payload.length);
    }

    /**
     * The clean twin of a raw record that no rule changes, as the anonymizer writes it (and the export, for tables that
     * skip the anonymizer): a batch keeps its compressed payload's bytes under a header marked anonymized with the
     * payload's own checksum; an end marker is marked anonymized and carries nothing.
     */
    public static byte[] passedUnchanged(byte[] record, BatchHeader header) {
        return header.kind() == BatchHeader.Kind.END ? encode(header.anonymized(0, 0, null), null, 0)
                : reheader(record, header.anonymized(header.payloadChecksum(), 0, null));
    }

    /**
     * The same record with another header and the compressed payload copied as it is (no inflate, no deflate): for
     * batches a step passes through unchanged. The new header must describe the same payload.
     */
    public static byte[] reheader(byte[] record, BatchHeader header) {
        checkMagic(record);
        int start = 8 + ByteBuffer.wrap(record, 4, 4).getInt();
        try {
            byte[] headerJson = Json.MAPPER.writeValueAsBytes(header);
            ByteBuffer out = ByteBuffer.allocate(8 + headerJson.length + record.length - start);
            out.put(record, 0, 4).putInt(headerJson.length).put(headerJson).put(record, start, record.length - start);
            return out.array();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode batch " + header.key() + "#" + header.seq(), e);
        }
    }

    /** Reads only the header, without inflating the payload; also of a sealed record (its header is in clear). */
    public static BatchHeader header(byte[] record) {
        if (!BatchSeal.isSealed(record)) {
            checkMagic(record);
        }
        int len = ByteBuffer.wrap(record, 4, 4).getInt();
        try {
            return Json.MAPPER.readValue(record, 8, len, BatchHeader.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("batch header is not valid JSON: " + e.getMessage(), e);
        }
    }

    public static Batch decode(byte[] record) {
        if (BatchSeal.isSealed(record)) {
            throw new IllegalArgumentException("a sealed batch must be opened with its refresh's data key first");
        }
        BatchHeader header = header(record);
        int start = 8 + ByteBuffer.wrap(record, 4, 4).getInt();
        if (start >= record.length) {
            return new Batch(header, new byte[0]);
        }
        byte[] payload = record[3] == MAGIC_GZIP[3] ? inflate(header, record, start) : lz4(header, record, start);
        if (Checksums.of(payload) != header.payloadChecksum()) {
            throw new IllegalArgumentException("batch " + header.key() + "#" + header.seq()
                    + " is corrupt: payload checksum does not match its header");
        }
        return new Batch(header, payload);
    }

    private static byte[] lz4(BatchHeader header, byte[] record, int start) {
        if (record.length - start < 4) {
            throw new IllegalArgumentException("batch " + header.key() + "#" + header.seq() + " is corrupt: its payload is cut short");
        }
        int length = ByteBuffer.wrap(record, start, 4).getInt();
        if (length < 0 || length > MAX_PAYLOAD) {
            throw new IllegalArgumentException("batch " + header.key() + "#" + header.seq() + " is corrupt: it declares a"
                    + " payload of " + length + " bytes");
        }
        try {
            byte[] payload = new byte[length];
            int read = LZ4.safeDecompressor().decompress(record, start + 4, record.length - start - 4, payload, 0, length);
            if (read != length) {
                throw new IllegalArgumentException("batch " + header.key() + "#" + header.seq() + " is corrupt: its payload"
                        + " holds " + read + " of " + length + " bytes");
            }
            return payload;
        } catch (LZ4Exception e) {
            throw new IllegalArgumentException("batch " + header.key() + "#" + header.seq() + " is corrupt: its payload"
                    + " cannot be decompressed", e);
        }
    }

    /** A record of an earlier release: gzip. */
    private static byte[] inflate(BatchHeader header, byte[] record, int start) {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(record, start, record.length - start), 64 * 1024)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot inflate batch " + header.key() + "#" + header.seq(), e);
        }
    }

    private static void checkMagic(byte[] record) {
        if (record == null || record.length < 8 || record[0] != MAGIC[0] || record[1] != MAGIC[1]
                || record[2] != MAGIC[2] || (record[3] != MAGIC[3] && record[3] != MAGIC_GZIP[3])) {
            throw new IllegalArgumentException("not a restage batch record (expected magic RSB2, or RSB1)");
        }
    }

    private BatchCodec() {
    }
}
