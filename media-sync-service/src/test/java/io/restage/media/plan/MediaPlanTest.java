package io.restage.media.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class MediaPlanTest {

    /** "key=etag" items, sorted by the test's author as S3 would list them. */
    private static Iterator<Listed> listing(String spec) {
        List<Listed> out = new ArrayList<>();
        if (!spec.isBlank()) {
            for (String s : spec.split(" ")) {
                String[] kv = s.split("=");
                out.add(new Listed(kv[0], kv[1], 1));
            }
        }
        return new Sorted<>(out.iterator(), Listed::key, "test listing");
    }

    /** "key" or "key!" (placeholder) or "key!!" (placeholder keeping dimensions). */
    private static Iterator<Referenced> refs(String spec) {
        List<Referenced> out = new ArrayList<>();
        if (!spec.isBlank()) {
            for (String s : spec.split(" ")) {
                out.add(new Referenced(s.replace("!", ""), s.contains("!"), s.contains("!!")));
            }
        }
        return new Sorted<>(out.iterator(), Referenced::key, "test keys");
    }

    private static String render(Iterator<MediaPlan.Step> steps) {
        List<String> out = new ArrayList<>();
        steps.forEachRemaining(s -> out.add(s.key() + ":" + s.kind() + (s.target() != null ? "+t" : "") + (s.keepDimensions() ? "+dims" : "")));
        return String.join(" ", out);
    }

    static Stream<Arguments> mirrors() {
        return Stream.of(
                Arguments.of("a=1 b=2", "", "a:COPY b:COPY"),
                Arguments.of("a=1 b=2", "a=1 b=2", "a:UNCHANGED+t b:UNCHANGED+t"),
                Arguments.of("a=1 b=2", "a=9 c=3", "a:COPY+t b:COPY"),
                Arguments.of("b=2", "a=1 b=2 c=3", "b:UNCHANGED+t"),
                Arguments.of("", "a=1", ""));
    }

    @ParameterizedTest(name = "source [{0}] target [{1}]")
    @MethodSource("mirrors")
    void mirror(String source, String target, String expected) {
        assertEquals(expected, render(MediaPlan.mirror(listing(source), listing(target))));
    }

    static Stream<Arguments> guided() {
        return Stream.of(
                // only referenced keys, whatever else the source holds
                Arguments.of("b", "a=1 b=2 c=3", "", "b:COPY"),
                Arguments.of("a c", "a=1 b=2 c=3", "a=1 c=7", "a:UNCHANGED+t c:COPY+t"),
                // a key the source lacks
                Arguments.of("a z", "a=1", "", "a:COPY z:MISSING"),
                // placeholders: decided whatever the target holds (the executor compares with the placeholder)
                Arguments.of("a! b!!", "a=1 b=2", "a=1", "a:PLACEHOLDER+t b:PLACEHOLDER+dims"),
                Arguments.of("", "a=1", "a=1", ""));
    }

    @ParameterizedTest(name = "keys [{0}] source [{1}] target [{2}]")
    @MethodSource("guided")
    void guided(String keys, String source, String target, String expected) {
        assertEquals(expected, render(MediaPlan.guided(refs(keys), listing(source), listing(target))));
    }

    @ParameterizedTest(name = "target [{0}] wanted [{1}]")
    @CsvSource({
            "'a=1 b=2 c=3', 'b', 'a c'",
            "'a=1 b=2', 'a b', ''",
            "'a=1 b=2', '', 'a b'",
            "'b=2', 'a c', 'b'",
            "'', 'a', ''",
    })
    void orphans(String target, String wanted, String expected) {
        Iterator<String> w = wanted.isBlank() ? List.<String>of().iterator() : Arrays.asList(wanted.split(" ")).iterator();
        List<String> out = new ArrayList<>();
        MediaPlan.orphans(listing(target), w).forEachRemaining(l -> out.add(l.key()));
        assertEquals(expected, String.join(" ", out));
    }

    @ParameterizedTest(name = "{0} < {1}")
    @CsvSource({"a, b", "a, aa", "A, a", "z, \u00e9", "\uffff, \ud83d\ude00", "media/a, media/b/c", "a/b, a0"})
    void keyOrderIsUtf8ByteOrder(String lower, String higher) {
        assertTrue(KeyOrder.compare(lower, higher) < 0);
        assertTrue(KeyOrder.compare(higher, lower) > 0);
        assertTrue(Arrays.compareUnsigned(lower.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                higher.getBytes(java.nio.charset.StandardCharsets.UTF_8)) < 0, "as UTF-8 bytes");
    }

    @Test
    void aListingOutOfOrderStopsThePlan() {
        Iterator<Listed> bad = new Sorted<>(List.of(new Listed("b", "1", 1), new Listed("a", "1", 1)).iterator(), Listed::key,
                "the target listing");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> MediaPlan.mirror(listing("a=1 b=1"), bad).forEachRemaining(s -> { }));
        assertTrue(e.getMessage().contains("the target listing is not in S3 key order"), e.getMessage());
        Iterator<Listed> twice = new Sorted<>(List.of(new Listed("a", "1", 1), new Listed("a", "1", 1)).iterator(), Listed::key,
                "the source listing");
        assertThrows(IllegalStateException.class, () -> twice.forEachRemaining(l -> { }));
    }
}
