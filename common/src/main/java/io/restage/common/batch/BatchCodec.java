package io.restage.common.batch;

import io.restage.common.Json;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Binary layout of a batch record: {@code "RSB1"}, a 4-byte big-endian header length, the header as UTF-8 JSON,
 * then the COPY text payload gzip-compressed (empty for END markers).
 */
public final class BatchCodec {
    private static final byte[] MAGIC = {'R', 'S', 'B', '1'};

    public static byte[] encode(BatchHeader header, byte[] payload, int payloadLength) {
        return encode(header, payload, 0, payloadLength);
    }

    /** Encodes {@code payload[offset, offset + payloadLength)} (a slice of a row too large for one batch). */
    public static byte[] encode(BatchHeader header, byte[] payload, int offset, int payloadLength) {
        try {
            byte[] headerJson = Json.MAPPER.writeValueAsBytes(header);
            ByteArrayOutputStream out = new ByteArrayOutputStream(payloadLength / 3 + headerJson.length + 64);
            out.write(MAGIC);
            out.write(ByteBuffer.allocate(4).putInt(headerJson.length).array());
            out.write(headerJson);
            if (payloadLength > 0) {
                try (GZIPOutputStream gz = new GZIPOutputStream(out, 64 * 1024) {
                    {
                        def.setLevel(Deflater.BEST_SPEED);
                    }
                }) {
                    gz.write(payload, offset, payloadLength);
                }
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode batch " + header.key() + "#" + header.seq(), e);
        }
    }

    public static byte[] encode(BatchHeader header, byte[] payload) {
        return encode(header, payload, payload == null ? 0 : payload.length);
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
            out.put(MAGIC).putInt(headerJson.length).put(headerJson).put(record, start, record.length - start);
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
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(record, start, record.length - start), 64 * 1024)) {
            byte[] payload = in.readAllBytes();
            if (Checksums.of(payload) != header.payloadChecksum()) {
                throw new IllegalArgumentException("batch " + header.key() + "#" + header.seq()
                        + " is corrupt: payload checksum does not match its header");
            }
            return new Batch(header, payload);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot inflate batch " + header.key() + "#" + header.seq(), e);
        }
    }

    private static void checkMagic(byte[] record) {
        if (record == null || record.length < 8 || record[0] != MAGIC[0] || record[1] != MAGIC[1]
                || record[2] != MAGIC[2] || record[3] != MAGIC[3]) {
            throw new IllegalArgumentException("not a restage batch record (expected magic RSB1)");
        }
    }

    private BatchCodec() {
    }
}
