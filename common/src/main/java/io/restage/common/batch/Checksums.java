package io.restage.common.batch;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** 64-bit checksums of batch payloads (first 8 bytes of SHA-256) and their order-independent table sum. */
public final class Checksums {

    public static long of(byte[] data, int offset, int length) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(data, offset, length);
            byte[] d = digest.digest();
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v = (v << 8) | (d[i] & 0xff);
            }
            return v;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JVM", e);
        }
    }

    public static long of(byte[] data) {
        return of(data, 0, data.length);
    }

    /** Adds a batch checksum into a table checksum: a sum, so the order batches arrive in does not matter. */
    public static long combine(long tableChecksum, long batchChecksum) {
        return tableChecksum + batchChecksum;
    }

    private Checksums() {
    }
}
