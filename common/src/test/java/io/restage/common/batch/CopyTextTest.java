package io.restage.common.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class CopyTextTest {

    @ParameterizedTest
    @ValueSource(strings = {"plain", "tab\there", "new\nline", "back\\slash", "cr\rlf", "emoji 🙂 and ümlaut", "", "\\N as text",
            "form\ffeed\bback\u000bvtab"})
    void shouldRoundTripEveryCharacterClass(String value) {
        ByteSink sink = new ByteSink(16);
        CopyText.encode(value, sink);
        byte[] b = sink.toByteArray();
        assertEquals(value, CopyText.decode(b, 0, b.length));
    }

    /**
     * The exact bytes COPY text needs: a round trip through this class's own decoder cannot catch an escape that
     * encode and decode both forget (a raw tab would split the row in PostgreSQL, a raw newline end it).
     */
    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> escapes() {
        return java.util.stream.Stream.of(
                org.junit.jupiter.params.provider.Arguments.of("tab", "a\tb", "a\\tb"),
                org.junit.jupiter.params.provider.Arguments.of("newline", "a\nb", "a\\nb"),
                org.junit.jupiter.params.provider.Arguments.of("carriage return", "a\rb", "a\\rb"),
                org.junit.jupiter.params.provider.Arguments.of("backslash", "a\\b", "a\\\\b"),
                org.junit.jupiter.params.provider.Arguments.of("plain text", "plain ü", "plain ü"));
    }

    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.MethodSource("escapes")
    void shouldWriteTheEscapesCopyTextNeeds(String name, String value, String copyText) {
        ByteSink sink = new ByteSink(16);
        CopyText.encode(value, sink);
        assertEquals(copyText, new String(sink.toByteArray(), StandardCharsets.UTF_8), name);
    }

    @Test
    void shouldEncodeNullAsBackslashN() {
        ByteSink sink = new ByteSink(4);
        CopyText.encode(null, sink);
        byte[] b = sink.toByteArray();
        assertEquals("\\N", new String(b, StandardCharsets.UTF_8));
        assertNull(CopyText.decode(b, 0, b.length));
    }

    @Test
    void shouldDecodeOctalAndHexEscapes() {
        byte[] b = "a\\101\\x42".getBytes(StandardCharsets.UTF_8);
        assertEquals("aAB", CopyText.decode(b, 0, b.length));
    }

    @Test
    void shouldSplitRowsIntoFields() {
        byte[] row = "1\tx\\ty\t\\N".getBytes(StandardCharsets.UTF_8);
        int[] s = new int[3];
        int[] e = new int[3];
        assertEquals(3, CopyText.split(row, 0, row.length, s, e));
        assertEquals("x\ty", CopyText.decode(row, s[1], e[1]));
        assertNull(CopyText.decode(row, s[2], e[2]));
    }

    @Test
    void shouldRefuseRowsWithMoreFieldsThanColumns() {
        byte[] row = "1\t2\t3".getBytes(StandardCharsets.UTF_8);
        assertThrows(IllegalArgumentException.class, () -> CopyText.split(row, 0, row.length, new int[2], new int[2]));
    }
}
