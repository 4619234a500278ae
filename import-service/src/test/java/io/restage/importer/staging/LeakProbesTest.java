package io.restage.importer.staging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.restage.common.policy.LeakFingerprints;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** What the leak audit probes in a staged value: the same candidates its SQL took from the staged table. */
class LeakProbesTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            // whole values, normalised (trimmed, ASCII lower case); shorter than 6 characters: nothing
            "' Jane.Doe@Corp.COM '                     | jane.doe@corp.com",
            "short                                     | ''",
            // free text: the value, and each word with a digit or @ of 6+ characters, trailing . ! ? cut
            "'Call +4930123456 or mail jane@corp.com.' | call +4930123456 or mail jane@corp.com. ; +4930123456 ; jane@corp.com",
            "'sent to a1@b.c, paid'                     | sent to a1@b.c, paid ; a1@b.c",
            "'no digits in these words'                | no digits in these words",
            "'(ref:AB12CD) [x]'                         | (ref:ab12cd) [x] ; ab12cd",
            "'ab1!!! xyz'                               | ab1!!! xyz ; ab1"})
    void candidatesAreTheValueAndItsWordsThatCouldHoldContactData(String value, String expected) {
        Set<String> out = new TreeSet<>();
        LeakProbes.candidates(value, out);
        Set<String> want = new TreeSet<>();
        for (String e : expected.split(" ; ")) {
            if (!e.isEmpty() && LeakFingerprints.auditable(e)) {
                want.add(e);
            }
        }
        assertEquals(want, out);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "{a@x.com,b@y.com}                 | a@x.com,b@y.com",
            "'{\"two words\",NULL,\"q\\\"uote\"}' | two words,q\"uote",
            "{{one,two},{three,NULL}}          | one,two,three",
            "[0:1]={first,second}              | first,second",
            "{}                                | ''",
            "'{\"\",null,\"NULL\"}'            | ,NULL"})
    void arrayElementsAreReadAsPostgresqlWritesThem(String literal, String expected) {
        List<String> out = new ArrayList<>();
        LeakProbes.arrayElements(literal, out::add);
        List<String> want = expected.isEmpty() ? List.of() : Arrays.asList(expected.split(",", -1));
        if (literal.startsWith("{\"\"")) {
            want = List.of("", "NULL");
        }
        assertEquals(want, out);
    }

    @Test
    void theOnePassSplitterTakesTheSameWordsAsTheRegularExpression() {
        java.util.Random r = new java.util.Random(11);
        String alphabet = "ab@1.!? ,;:<>()[]{}\"'|\t\n\u000B\f\rXé9-_\u00a0";
        for (int i = 0; i < 20_000; i++) {
            StringBuilder sb = new StringBuilder();
            for (int j = r.nextInt(40); j > 0; j--) {
                sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
            }
            String v = sb.toString();
            Set<String> fast = new TreeSet<>();
            LeakProbes.candidates(v, fast);
            Set<String> reference = new TreeSet<>();
            String n = LeakFingerprints.normalize(v);
            if (LeakFingerprints.auditable(n)) {
                reference.add(n);
            }
            if (java.util.regex.Pattern.compile("[\\s,;:<>()\\[\\]{}\"'|]").matcher(v).find()) {
                for (String w : LeakProbes.WORD_SPLIT.split(v)) {
                    if (w.codePointCount(0, w.length()) >= LeakFingerprints.MIN_LENGTH && w.matches(".*[0-9@].*")) {
                        String t = LeakFingerprints.normalize(w.replaceAll("[.!?]+$", ""));
                        if (LeakFingerprints.auditable(t)) {
                            reference.add(t);
                        }
                    }
                }
            }
            assertEquals(reference, fast, "'" + v + "'");
        }
    }

    @Test
    void jsonGivesEveryStringValueAtAnyDepthButNoKeys() {
        List<String> out = new ArrayList<>();
        LeakProbes.jsonStrings("{\"email\":\"a@x.com\",\"n\":3,\"list\":[{\"phone\":\"+49 30 1\"},\"free\"],\"k\":null}", out::add);
        assertEquals(List.of("a@x.com", "+49 30 1", "free"), out);
        // escapes decoded, a key that looks like an address left out, a bare string and nested arrays read
        out.clear();
        LeakProbes.jsonStrings("{\"jane@corp.example\":[[\"Ren\\u00e9e \\\"R\\\"\"],[true,1.5,{\"x\":\"line\\nbreak\"}]]}", out::add);
        assertEquals(List.of("Ren\u00e9e \"R\"", "line\nbreak"), out);
        out.clear();
        LeakProbes.jsonStrings("\"only a string\"", out::add);
        assertEquals(List.of("only a string"), out);
        assertThrows(IllegalStateException.class, () -> LeakProbes.jsonStrings("{not json", s -> { }));
        assertThrows(IllegalStateException.class, () -> LeakProbes.jsonStrings("{\"a\":[1,2", s -> { }));
    }

    @Test
    void aBatchGivesDistinctKeyedFingerprintsPerColumnAndCountsEveryValue() {
        byte[] key = LeakFingerprints.key("secret-0123456789abc", "refresh-1");
        byte[] rows = ("1\tjane@corp.com\t{\"e\":\"jane@corp.com\"}\t{jane@corp.com,bob@corp.com}\n"
                + "2\tJANE@corp.com\t\\N\t{}\n"
                + "3\t\\N\t{\"e\":\"x\"}\t\\N\n").getBytes(StandardCharsets.UTF_8);
        List<LeakProbes.ColumnProbes> p = LeakProbes.probe(rows, 4, List.of(
                new LeakProbes.Scanned(1, "email", LeakProbes.Shape.TEXT),
                new LeakProbes.Scanned(2, "doc", LeakProbes.Shape.JSON),
                new LeakProbes.Scanned(3, "tags", LeakProbes.Shape.TEXT_ARRAY)), key);
        long jane = LeakFingerprints.of(key, "jane@corp.com");
        assertEquals(2, p.get(0).values());
        assertEquals(1, p.get(0).fingerprints().length, "the same value in two cases is one probe");
        assertEquals(jane, p.get(0).fingerprints()[0], "the same fingerprint the anonymizer takes");
        assertEquals(2, p.get(1).values());
        assertEquals(1, p.get(1).fingerprints().length, "x is too short to be fingerprinted");
        assertEquals(2, p.get(2).values());
        assertEquals(2, p.get(2).fingerprints().length);
    }
}
