package io.restage.common.policy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Keyed fingerprints for the leak audit: the anonymizer fingerprints the source values of audited rules, the
 * importer looks for them in every text-like staged column. A fingerprint is SipHash-2-4 of the normalised value's
 * UTF-8 bytes under a 128-bit key derived from the policy secret and the refresh id, so fingerprints are useless
 * outside their refresh and never reveal a value; the key never leaves the services (where a staged column is
 * scanned in SQL, the target returns normalised words and the import service fingerprints them). Normalising (trim
 * spaces, tabs and line breaks; ASCII lower case) is written so Java and PostgreSQL produce exactly the same text
 * whatever the database's locale. Values shorter than {@link #MIN_LENGTH} are not fingerprinted: they identify nobody
 * and would match unrelated short words.
 * <p>
 * SipHash-2-4 rather than the earlier {@code sha256(key || sha256(value))}: it is a keyed function made for short
 * inputs, and with {@link Collector} a candidate is trimmed, lower-cased, measured and hashed in one pass over its
 * characters without a copy. Fingerprints travel in batch headers with their format's tag ({@link #encode}); a batch
 * whose fingerprints have another format is refused, so an anonymizer and an importer of different versions can
 * never compare two formats and find nothing.
 */
public final class LeakFingerprints {
    public static final int MIN_LENGTH = 6;
    /**
     * Longer values (in UTF-16 code units) are not fingerprinted: no contact datum, credential or account number is a
     * megabyte long, and the SQL scan of staged tables can then bound what it streams to the service.
     */
    public static final int MAX_LENGTH = 1 << 20;
    private static final String UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

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

    /** The fingerprint of an already normalised value. */
    public static long of(byte[] key, String normalized) {
        Collector c = new Collector(key);
        c.hash(normalized, 0, normalized.length());
        return c.last;
    }

    /**
     * The SQL expression of the normalised text of the text expression {@code value} (what {@link #normalize} returns),
     * for scans the target runs: it returns the words, the service fingerprints them.
     */
    public static String sqlNormalized(String value) {
        return "translate(" + sqlTrimmed(value) + ", '" + UPPER + "', '" + UPPER.toLowerCase() + "')";
    }

    /** The SQL expression of the text expression {@code value} trimmed as {@link #normalize} trims (lower case aside). */
    public static String sqlTrimmed(String value) {
        return "btrim(" + value + ", E' \\t\\r\\n')";
    }

    /**
     * Fingerprints of candidates, collected without copying them: each is trimmed, ASCII lower-cased, measured (at least
     * {@link #MIN_LENGTH} code points) and hashed in one pass. Not thread-safe: one per batch and column.
     */
    public static final class Collector {
        private final long k0;
        private final long k1;
        private long v0;
        private long v1;
        private long v2;
        private long v3;
        private long word;
        private int count;
        private long last;
        private long[] values = new long[64];
        private int size;
        private static final int WINDOW = 8192;
        private final char[] chars = new char[WINDOW];

        public Collector(byte[] key) {
            ByteBuffer b = ByteBuffer.wrap(key, 0, 16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            this.k0 = b.getLong();
            this.k1 = b.getLong();
        }

        /** Adds the fingerprint of {@code normalize(v.substring(from, to))} if that is long enough; whether it was. */
        public boolean add(String v, int from, int to) {
            while (from < to && isTrimmed(v.charAt(from))) {
                from++;
            }
            while (to > from && isTrimmed(v.charAt(to - 1))) {
                to--;
            }
            int chars = to - from;
            if (chars < MIN_LENGTH || chars > MAX_LENGTH || chars < 2 * MIN_LENGTH && v.codePointCount(from, to) < MIN_LENGTH) {
                return false;
            }
            hash(v, from, to);
            if (size == values.length) {
                values = java.util.Arrays.copyOf(values, size * 2);
            }
            values[size++] = last;
            return true;
        }

        /** Sorts the fingerprints and drops repeats; returns how many distinct ones are left at the start of {@link #values}. */
        public int distinct() {
            java.util.Arrays.sort(values, 0, size);
            int w = 0;
            for (int r = 0; r < size; r++) {
                if (w == 0 || values[w - 1] != values[r]) {
                    values[w++] = values[r];
                }
            }
            size = w;
            return w;
        }

        public long[] values() {
            return values;
        }

        public int size() {
            return size;
        }

        /** SipHash-2-4 of the UTF-8 bytes of v[from, to) with ASCII capitals lower-cased (as String.getBytes writes them). */
        private void hash(String v, int from, int to) {
            begin();
            // in windows of at most WINDOW characters (a pair of surrogates never split): bulk copies into a small array,
            // so the loop reads an array instead of calling charAt, whatever the value's length
            for (int base = from; base < to; ) {
                int end = Math.min(to, base + WINDOW);
                if (end < to && Character.isHighSurrogate(v.charAt(end - 1))) {
                    end--;
                }
                v.getChars(base, end, chars, 0);
                window(chars, end - base);
                base = end;
            }
            last = end();
        }

        /** SipHash-2-4's initial state under the key, no message bytes yet. */
        private void begin() {
            v0 = k0 ^ 0x736f6d6570736575L;
            v1 = k1 ^ 0x646f72616e646f6dL;
            v2 = k0 ^ 0x6c7967656e657261L;
            v3 = k1 ^ 0x7465646279746573L;
            word = 0;
            count = 0;
        }

        /** The last (partial) word with the length byte, the finalisation rounds, and the 64-bit result. */
        private long end() {
            long b = (long) count << 56 | word;
            v3 ^= b;
            rounds(2);
            v0 ^= b;
            v2 ^= 0xff;
            rounds(4);
            return v0 ^ v1 ^ v2 ^ v3;
        }

        private void window(char[] a, int n) {
            int i = 0;
            while (i < n) {
                if ((count & 7) == 0 && i + 8 <= n) {
                    // eight ASCII characters are one whole message word
                    char c0 = a[i], c1 = a[i + 1], c2 = a[i + 2], c3 = a[i + 3], c4 = a[i + 4], c5 = a[i + 5], c6 = a[i + 6], c7 = a[i + 7];
                    if ((c0 | c1 | c2 | c3 | c4 | c5 | c6 | c7) < 0x80) {
                        long m = lower(c0) | lower(c1) << 8 | lower(c2) << 16 | lower(c3) << 24 | lower(c4) << 32
                                | lower(c5) << 40 | lower(c6) << 48 | lower(c7) << 56;
                        v3 ^= m;
                        rounds(2);
                        v0 ^= m;
                        count += 8;
                        i += 8;
                        continue;
                    }
                }
                char c = a[i];
                if (c < 0x80) {
                    put((int) lower(c));
                } else if (c < 0x800) {
                    put(0xc0 | c >> 6);
                    put(0x80 | c & 0x3f);
                } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(a[i + 1])) {
                    int cp = Character.toCodePoint(c, a[++i]);
                    put(0xf0 | cp >> 18);
                    put(0x80 | cp >> 12 & 0x3f);
                    put(0x80 | cp >> 6 & 0x3f);
                    put(0x80 | cp & 0x3f);
                } else if (Character.isSurrogate(c)) {
                    put('?'); // an unpaired surrogate: what String.getBytes(UTF_8) writes for it
                } else {
                    put(0xe0 | c >> 12);
                    put(0x80 | c >> 6 & 0x3f);
                    put(0x80 | c & 0x3f);
                }
                i++;
            }
        }

        /** An ASCII character as its byte, capitals lower-cased. */
        private static long lower(char c) {
            return c >= 'A' && c <= 'Z' ? c + 32 : c;
        }

        private void put(int b) {
            word |= (long) (b & 0xff) << ((count & 7) << 3);
            count++;
            if ((count & 7) == 0) {
                v3 ^= word;
                rounds(2);
                v0 ^= word;
                word = 0;
            }
        }

        private void rounds(int n) {
            for (int r = 0; r < n; r++) {
                v0 += v1;
                v1 = Long.rotateLeft(v1, 13);
                v1 ^= v0;
                v0 = Long.rotateLeft(v0, 32);
                v2 += v3;
                v3 = Long.rotateLeft(v3, 16);
                v3 ^= v2;
                v0 += v3;
                v3 = Long.rotateLeft(v3, 21);
                v3 ^= v0;
                v2 += v1;
                v1 = Long.rotateLeft(v1, 17);
                v1 ^= v2;
                v2 = Long.rotateLeft(v2, 32);
            }
        }
    }

    /** SipHash-2-4 of bytes under a 16-byte key: the reference function, for the tests' published vectors. */
    static long sipHash24(byte[] key, byte[] data) {
        Collector c = new Collector(key);
        c.begin();
        for (byte d : data) {
            c.put(d);
        }
        return c.end();
    }

    /** The tag of this format in a batch header ({@link #encode}); headers of the SHA-256 format had none. */
    static final String FORMAT = "sip24:";

    /** Fingerprints as they travel in a batch header: the format's tag, then base64 of the 8-byte big-endian values. */
    public static String encode(long[] fingerprints, int n) {
        ByteBuffer b = ByteBuffer.allocate(n * 8);
        for (int i = 0; i < n; i++) {
            b.putLong(fingerprints[i]);
        }
        return FORMAT + Base64.getEncoder().encodeToString(b.array());
    }

    /** The 8-byte values of a header's fingerprints; refuses another format (they could never match this one's probes). */
    public static byte[] decode(String encoded) {
        if (encoded == null || encoded.isEmpty()) {
            return new byte[0];
        }
        if (!encoded.startsWith(FORMAT)) {
            throw new IllegalArgumentException("the batch carries leak fingerprints of another format than this import service"
                    + " reads (" + FORMAT.substring(0, FORMAT.length() - 1) + "): the anonymizer runs another restage version;"
                    + " run the same version of both and start the refresh again");
        }
        return Base64.getDecoder().decode(encoded.substring(FORMAT.length()));
    }

    private LeakFingerprints() {
    }
}
