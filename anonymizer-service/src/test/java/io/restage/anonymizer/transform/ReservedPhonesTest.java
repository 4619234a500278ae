package io.restage.anonymizer.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The hand-written helpers of the phone fakes give exactly what the regular expression and the formatter gave. */
class ReservedPhonesTest {

    @Test
    void digitsAreThoseTheRegularExpressionKept() {
        Random r = new Random(7);
        String alphabet = "0123456789+-() ./x\t٣a"; // an Arabic-Indic digit is not an ASCII digit
        for (int i = 0; i < 20_000; i++) {
            StringBuilder sb = new StringBuilder();
            for (int j = r.nextInt(25); j > 0; j--) {
                sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
            }
            String v = sb.toString();
            assertEquals(v.replaceAll("[^0-9]", ""), ReservedPhones.digitsOf(v), "'" + v + "'");
        }
    }

    @Test
    void zeroPaddingIsTheFormattersForEveryBlock() {
        for (ReservedPhones.Block b : ReservedPhones.BY_CODE.values()) {
            for (int n = b.first(); n <= b.last(); n++) {
                assertEquals(String.format("%0" + b.width() + "d", n), ReservedPhones.zeroPadded(n, b.width()));
            }
        }
        assertEquals("12345", ReservedPhones.zeroPadded(12345, 3), "wider than the width: all digits, as %03d");
    }

    @Test
    void theSameValueGivesTheSameReservedNumberInTheSourcesLayout() {
        // table: source value, default country code, the fake (pinned: the same as before the helpers were hand-written)
        String[][] cases = {
                {"+1 415-555-2671", null, "\\+1 415-555-0189"},
                {"(415) 555-2671", "1", "\\(415\\) 555-0189"},
                {"+44 7911 123456", null, "\\+44 7700 900789"},
                {"0044 7911 123456", null, "0044 7700 900789"},
                {"+61 412 345 678", null, "\\+61 491 570 101"},
                {"+49 30 1234567", null, "\\+49 30 23125789"},
                {"+33 1 23 45 67 89", null, "\\+33 1 99 00 67 89"},
                {"+7 495 123-45-67", null, "\\+999 98260708"},
                {"n/a", null, "n/a"},
        };
        for (String[] c : cases) {
            String fake = ReservedPhones.fake(c[0], c[1], 123_456_789L);
            assertTrue(fake.matches(c[2]), c[0] + " -> " + fake);
            assertEquals(fake, ReservedPhones.fake(c[0], c[1], 123_456_789L), "deterministic");
        }
    }
}
