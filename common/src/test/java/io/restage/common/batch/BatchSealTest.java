package io.restage.common.batch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** Sealed raw batches: only the data key opens them, any changed byte fails, and records of the earlier format open. */
class BatchSealTest {
    private static final SecretKey KEY = new SecretKeySpec(new byte[32], "AES");
    private static final SecretKey OTHER = new SecretKeySpec(java.util.HexFormat.of().parseHex("01".repeat(32)), "AES");

    private static byte[] record() {
        byte[] rows = "1\tjane@corp.example\tJane Doe\n".getBytes(StandardCharsets.UTF_8);
        return BatchCodec.encode(BatchHeader.rows("r-1", "public.users", 0, 1,
                List.of(new Column("id", "bigint"), new Column("email", "text"), new Column("name", "text")),
                Checksums.of(rows), List.of()), rows);
    }

    @Test
    void sealedRecordsHideTheRowsAndOpenOnlyWithTheirKey() {
        byte[] record = record();
        byte[] sealed = BatchSeal.seal(record, KEY);
        assertTrue(BatchSeal.isSealed(sealed));
        assertEquals('4', sealed[3], "AES-256-CTR and HMAC-SHA256 around an LZ4 record is RSE4");
        assertFalse(new String(sealed, StandardCharsets.ISO_8859_1).contains("jane@corp.example"), "the rows are not readable");
        assertArrayEquals(record, BatchSeal.open(sealed, KEY));
        assertThrows(IllegalArgumentException.class, () -> BatchSeal.open(sealed, OTHER), "another key does not open it");
        int headerEnd = 8 + java.nio.ByteBuffer.wrap(sealed, 4, 4).getInt();
        // the header, the IV, the ciphertext, the tag
        for (int at : new int[]{10, headerEnd + 1, sealed.length / 2, sealed.length - 1}) {
            byte[] changed = sealed.clone();
            changed[at] ^= 1;
            assertThrows(IllegalArgumentException.class, () -> BatchSeal.open(changed, KEY), "a changed byte at " + at + " fails");
        }
        assertFalse(java.util.Arrays.equals(sealed, BatchSeal.seal(record, KEY)), "a fresh nonce per record");
        assertThrows(IllegalArgumentException.class, () -> BatchSeal.open(java.util.Arrays.copyOf(sealed, headerEnd + 20), KEY),
                "a cut record fails");
        byte[] relabelled = sealed.clone();
        relabelled[3] = '3'; // claim it is ChaCha20-Poly1305: the magic is authenticated by either
        assertThrows(IllegalArgumentException.class, () -> BatchSeal.open(relabelled, KEY));
    }

    @Test
    void lz4RecordsSealedWithChaCha20Poly1305ByAnEarlierVersionStillOpen() {
        byte[] record = record();
        byte[] old = BatchSeal.sealChaCha(record, KEY);
        assertEquals('3', old[3]);
        assertArrayEquals(record, BatchSeal.open(old, KEY));
        assertThrows(IllegalArgumentException.class, () -> BatchSeal.open(old, OTHER));
        byte[] relabelled = old.clone();
        relabelled[3] = '4';
        assertThrows(IllegalArgumentException.class, () -> BatchSeal.open(relabelled, KEY));
    }

    /** The record an earlier release wrote: the same rows, gzip (RSB1). */
    private static byte[] gzipRecord() {
        try {
            byte[] lz4 = record();
            int start = 8 + java.nio.ByteBuffer.wrap(lz4, 4, 4).getInt();
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            out.write(lz4, 0, start);
            try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(out)) {
                gz.write(BatchCodec.decode(lz4).payload());
            }
            byte[] old = out.toByteArray();
            old[3] = '1';
            return old;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void gzipRecordsOfAnEarlierReleaseSealAndOpenAsTheyWereAndTheCodecCannotBeSwapped() {
        byte[] old = gzipRecord();
        byte[] sealed = BatchSeal.seal(old, KEY);
        assertEquals('2', sealed[3], "a gzip record is sealed as RSE2, as before");
        assertArrayEquals(old, BatchSeal.open(sealed, KEY));
        assertArrayEquals(BatchCodec.decode(record()).payload(), BatchCodec.decode(BatchSeal.open(sealed, KEY)).payload());
        byte[] relabelled = BatchSeal.seal(record(), KEY);
        relabelled[3] = '2'; // claim the LZ4 record is a gzip one: the magic is authenticated
        assertThrows(IllegalArgumentException.class, () -> BatchSeal.open(relabelled, KEY));
    }

    @Test
    void recordsSealedWithAesGcmByAnEarlierVersionStillOpen() {
        byte[] record = gzipRecord(); // AES-GCM was only ever used around gzip records
        byte[] old = BatchSeal.sealGcm(record, KEY);
        assertEquals('1', old[3]);
        assertTrue(BatchSeal.isSealed(old));
        assertArrayEquals(record, BatchSeal.open(old, KEY));
        byte[] changed = old.clone();
        changed[changed.length - 3] ^= 1;
        assertThrows(IllegalArgumentException.class, () -> BatchSeal.open(changed, KEY));
    }
}
