package io.restage.common.policy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Keyed fingerprints for the leak audit: the anonymizer fingerprints the source values of audited rules, the
 * importer looks for them in every text-like staged column. A fingerprint is the first 8 bytes of
 * {@code sha256(key || sha256(normalised value))} where the key is derived from the policy secret and the refresh id,
 * so fingerprints are useless outside their refresh and never reveal a value. The inner, unkeyed digest is what the
 * target database computes ({@link #sql}); the key is applied in the import service ({@link #ofDigest}), so the key
 * never reaches the target, where a fingerprint could otherwise be tested against guessed values. Normalising (trim
 * spaces, tabs and line breaks; ASCII lower case) is written so Java and PostgreSQL compute exactly the same bytes
 * whatever the database's locale. Values shorter than {@link #MIN_LENGTH} are not fingerprinted: they identify nobody
 * and would match unrelated short words.
 */
public final class LeakFingerprints {
    public static final int MIN_LENGTH = 6;
    private static final String UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JVM", e);
        }
    });

    /** The refresh's fingerprint key. */
    public static byte[] key(String policySecret, String refreshId) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(policySecret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return mac.doFinal(("leak-audit\0" + refreshId).getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required by every JVM", e);
        }
    }

    /** Trims space, tab, CR and LF at both ends and lower-cases ASCII letters only (as the SQL does). */
    public static String normalize(String v) {
        int start = 0;
        int end = v.length();
        while (start < end && isTrimmed(v.charAt(start))) {
            start++;
        }
        while (end > start && isTrimmed(v.charAt(end - 1))) {
            end--;
        }
        for (int i = start; i < end; i++) {
            char c = v.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                // lower-case from the first capital on, in a char array (no StringBuilder per character, no substring)
                char[] a = new char[end - start];
                v.getChars(start, end, a, 0);
                for (int j = i - start; j < a.length; j++) {
                    if (a[j] >= 'A' && a[j] <= 'Z') {
                        a[j] = (char) (a[j] + 32);
                    }
                }
                return new String(a);
            }
        }
        return start == 0 && end == v.length() ? v : v.substring(start, end);
    }

    private static boolean isTrimmed(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }

    /** Whether a normalised value is long enough to be fingerprinted. */
    public static boolean auditable(String normalized) {
        return normalized.codePointCount(0, normalized.length()) >= MIN_LENGTH;
    }

    public static long of(byte[] key, String normalized) {
        return ofDigest(key, SHA256.get().digest(normalized.getBytes(StandardCharsets.UTF_8)));
    }

    /** The fingerprint of a value whose unkeyed digest ({@link #sql}) the target computed. */
    public static long ofDigest(byte[] key, byte[] digest) {
        MessageDigest d = SHA256.get();
        d.update(key);
        byte[] h = d.digest(digest);
        return ByteBuffer.wrap(h, 0, 8).getLong();
    }

    /**
     * The SQL expression of the unkeyed digest of the text expression {@code value}: {@code sha256} of its normalised
     * UTF-8 bytes. Needs PostgreSQL 11 or newer ({@code sha256}).
     */
    public static String sql(String value) {
        return "sha256(convert_to(translate(btrim(" + value + ", E' \\t\\r\\n'), '" + UPPER + "', '"
                + UPPER.toLowerCase() + "'), 'UTF8'))";
    }

    /** Fingerprints as they travel in a batch header: base64 of the 8-byte big-endian values. */
    public static String encode(long[] fingerprints, int n) {
        ByteBuffer b = ByteBuffer.allocate(n * 8);
        for (int i = 0; i < n; i++) {
            b.putLong(fingerprints[i]);
        }
        return Base64.getEncoder().encodeToString(b.array());
    }

    public static byte[] decode(String encoded) {
        return encoded == null || encoded.isEmpty() ? new byte[0] : Base64.getDecoder().decode(encoded);
    }

    private LeakFingerprints() {
    }
}
