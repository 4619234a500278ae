package io.restage.common.batch;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * Encryption of raw (not yet anonymized) batch records, so production rows are never readable on the broker, its
 * disks or its backups by anyone without the refresh's data key. A sealed record is {@code "RSE1"}, the header length,
 * the header JSON in clear (consumers route on it without the key), a 12-byte IV, then AES-256-GCM of the compressed
 * payload with everything before the IV as associated data: a changed header, key or payload fails to open. The data
 * key is made per refresh and destroyed when the refresh ends ({@code DataKeys}): what is left on the broker after
 * that cannot be read by anyone (crypto-shredding).
 */
public final class BatchSeal {
    static final byte[] SEALED = {'R', 'S', 'E', '1'};
    private static final int IV = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** An RSB1 record sealed under {@code key}. */
    public static byte[] seal(byte[] record, SecretKey key) {
        int headerEnd = 8 + ByteBuffer.wrap(record, 4, 4).getInt();
        byte[] aad = Arrays.copyOf(record, headerEnd);
        System.arraycopy(SEALED, 0, aad, 0, 4);
        byte[] iv = new byte[IV];
        RANDOM.nextBytes(iv);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, iv));
            c.updateAAD(aad);
            byte[] ct = c.doFinal(record, headerEnd, record.length - headerEnd);
            return ByteBuffer.allocate(aad.length + IV + ct.length).put(aad).put(iv).put(ct).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot seal a batch: " + e.getMessage(), e);
        }
    }

    /** The RSB1 record inside a sealed one; fails if the key is wrong or any byte was changed. */
    public static byte[] open(byte[] sealed, SecretKey key) {
        if (!isSealed(sealed)) {
            throw new IllegalArgumentException("not a sealed batch record (expected magic RSE1)");
        }
        int headerEnd = 8 + ByteBuffer.wrap(sealed, 4, 4).getInt();
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, headerEnd, IV));
            c.updateAAD(sealed, 0, headerEnd);
            byte[] payload = c.doFinal(sealed, headerEnd + IV, sealed.length - headerEnd - IV);
            ByteBuffer out = ByteBuffer.allocate(headerEnd + payload.length).put(sealed, 0, headerEnd).put(payload);
            byte[] record = out.array();
            record[0] = 'R';
            record[1] = 'S';
            record[2] = 'B';
            record[3] = '1';
            return record;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("a sealed batch did not open: wrong data key, or the record was changed", e);
        }
    }

    public static boolean isSealed(byte[] record) {
        return record != null && record.length >= 8 && record[0] == SEALED[0] && record[1] == SEALED[1]
                && record[2] == SEALED[2] && record[3] == SEALED[3];
    }

    private BatchSeal() {
    }
}
