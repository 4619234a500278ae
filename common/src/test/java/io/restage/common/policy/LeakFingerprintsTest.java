package io.restage.common.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

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
}
