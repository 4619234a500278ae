package io.restage.common.policy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import java.util.Random;
import org.junit.jupiter.api.Test;

class LeakFingerprintsTest {

    @Test
    void normalisingTrimsSpacesTabsAndLineBreaksAndLowerCasesAsciiOnly() {
        String[][] cases = {
                {"  Jane.DOE@Corp.Example\t\r\n", "jane.doe@corp.example"},
                {"ÉMILE ZOLA", "Émile zola"}, // É is not ASCII: the SQL's translate() leaves it too
                {"\u00a0X\u00a0", "\u00a0x\u00a0"}, // a no-break space is not trimmed
                {"+49 30 1234567", "+49 30 1234567"},
                {"   ", ""},
                {"", ""},
        };
        for (String[] c : cases) {
            assertEquals(c[1], LeakFingerprints.normalize(c[0]), "'" + c[0] + "'");
        }
        String clean = "already.clean@example.org";
        assertSame(clean, LeakFingerprints.normalize(clean), "nothing to change: the same string, no copy");
    }

    @Test
    void normalisingMatchesAReferenceWrittenWithTheStandardLibrary() {
        Random r = new Random(3);
        String alphabet = "aZ \t\r\nÄé@1."; // Ä: a capital that is not ASCII stays as it is
        for (int i = 0; i < 20_000; i++) {
            StringBuilder sb = new StringBuilder();
            for (int j = r.nextInt(16); j > 0; j--) {
                sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
            }
            String v = sb.toString();
            String trimmed = v.replaceAll("^[ \t\r\n]+|[ \t\r\n]+$", "");
            StringBuilder ref = new StringBuilder();
            for (char ch : trimmed.toCharArray()) {
                ref.append(ch >= 'A' && ch <= 'Z' ? Character.toLowerCase(ch) : ch);
            }
            assertEquals(ref.toString(), LeakFingerprints.normalize(v), "'" + v + "'");
        }
    }

    /** The published SipHash-2-4 vectors (key 00..0f, message 00..n-1; Aumasson and Bernstein, appendix A). */
    @Test
    void sipHashMatchesThePublishedVectors() {
        byte[] key = new byte[16];
        for (int i = 0; i < 16; i++) {
            key[i] = (byte) i;
        }
        long[][] vectors = {{0, 0x726fdb47dd0e0e31L}, {1, 0x74f839c593dc67fdL}, {8, 0x93f5f5799a932462L},
                {15, 0xa129ca6149be45e5L}, {16, 0x3f2acc7f57c29bdbL}};
        for (long[] v : vectors) {
            byte[] msg = new byte[(int) v[0]];
            for (int i = 0; i < msg.length; i++) {
                msg[i] = (byte) i;
            }
            assertEquals(v[1], LeakFingerprints.sipHash24(key, msg), "message of " + v[0] + " bytes");
        }
    }

    /**
     * The collector trims, lower-cases, measures and hashes in one pass: the same fingerprint as normalising first and
     * hashing the UTF-8 bytes, and nothing for a value too short to be fingerprinted.
     */
    @Test
    void theOnePassCollectorFingerprintsExactlyWhatNormalisingFirstWould() {
        byte[] key = LeakFingerprints.key("secret-0123456789", "refresh-1");
        Random r = new Random(5);
        String alphabet = "aZ \t\r\n@1.ÄéÉ€ß\u00a0\ud83d\ude00\ud800x"; // an emoji's surrogate pair, and a lone high surrogate
        String ascii = "abcXYZ019 .@-\t"; // long, mostly ASCII values: eight characters at a time, and back to one at a time
        for (int i = 0; i < 50_000; i++) {
            StringBuilder sb = new StringBuilder();
            boolean longAscii = i % 2 == 0;
            for (int j = r.nextInt(longAscii ? 200 : 24); j > 0; j--) {
                sb.append(longAscii && r.nextInt(40) > 0 ? ascii.charAt(r.nextInt(ascii.length()))
                        : alphabet.charAt(r.nextInt(alphabet.length())));
            }
            String v = sb.toString();
            int from = v.isEmpty() ? 0 : r.nextInt(v.length());
            int to = from + (v.length() == from ? 0 : r.nextInt(v.length() - from + 1));
            LeakFingerprints.Collector c = new LeakFingerprints.Collector(key);
            String n = LeakFingerprints.normalize(v.substring(from, to));
            boolean added = c.add(v, from, to);
            assertEquals(LeakFingerprints.auditable(n), added, "'" + v + "' [" + from + ", " + to + ")");
            if (added) {
                assertEquals(LeakFingerprints.sipHash24(key, n.getBytes(StandardCharsets.UTF_8)), c.values()[0], "'" + n + "'");
                assertEquals(LeakFingerprints.of(key, n), c.values()[0], "'" + n + "'");
            }
        }
    }

    /** Long values are read in windows (a surrogate pair across a window's edge is not split); a megabyte more is not taken. */
    @Test
    void longValuesHashAsAWholeAndTooLongOnesAreNotFingerprinted() {
        byte[] key = LeakFingerprints.key("secret-0123456789", "refresh-1");
        for (int at : new int[]{8191, 8192, 8190, 16383}) {
            StringBuilder sb = new StringBuilder("Mail Jane@Corp.Example ".repeat(1500));
            sb.insert(at, "\ud83d\ude00"); // an emoji whose pair straddles (or not) the 8,192-character window
            String v = sb.toString();
            LeakFingerprints.Collector c = new LeakFingerprints.Collector(key);
            assertTrue(c.add(v, 0, v.length()));
            String n = LeakFingerprints.normalize(v);
            assertEquals(LeakFingerprints.sipHash24(key, n.getBytes(StandardCharsets.UTF_8)), c.values()[0], "emoji at " + at);
        }
        String tooLong = "x".repeat(LeakFingerprints.MAX_LENGTH + 1);
        assertEquals(false, new LeakFingerprints.Collector(key).add(tooLong, 0, tooLong.length()));
        assertTrue(new LeakFingerprints.Collector(key).add(tooLong, 1, tooLong.length()), "exactly the maximum is taken");
    }

    @Test
    void collectedFingerprintsAreDistinctAndSortedAndKeyedByTheRefresh() {
        byte[] key = LeakFingerprints.key("secret-0123456789", "refresh-1");
        LeakFingerprints.Collector c = new LeakFingerprints.Collector(key);
        for (String v : new String[]{"jane.doe@corp.example", " JANE.DOE@corp.example ", "+49 30 1234567", "short", "jane.doe@corp.example"}) {
            c.add(v, 0, v.length());
        }
        assertEquals(2, c.distinct(), "one email (three spellings), one phone; 'short' has no fingerprint");
        assertTrue(c.values()[0] < c.values()[1]);
        assertTrue(LeakFingerprints.of(key, "jane.doe@corp.example")
                != LeakFingerprints.of(LeakFingerprints.key("secret-0123456789", "refresh-2"), "jane.doe@corp.example"),
                "another refresh, another fingerprint");
    }

    @Test
    void headersCarryTheFormatAndAnotherFormatIsRefused() {
        long[] fps = {42L, -7L};
        String encoded = LeakFingerprints.encode(fps, 2);
        assertTrue(encoded.startsWith("sip24:"));
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(LeakFingerprints.decode(encoded));
        assertArrayEquals(fps, new long[]{b.getLong(), b.getLong()});
        assertEquals(0, LeakFingerprints.decode(null).length);
        String earlier = java.util.Base64.getEncoder().encodeToString(new byte[16]); // the SHA-256 format had no tag
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LeakFingerprints.decode(earlier));
        assertTrue(e.getMessage().contains("another restage version"), e.getMessage());
    }
}
