package io.restage.common.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restage.common.config.Secret;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class MessageSignaturesTest {
    private static final Instant T = Instant.parse("2026-03-01T12:00:00Z");
    private static final Secret KEY = new Secret("a-message-key-of-at-least-32-characters!");
    private static final String VALUE = "{\"type\":\"CommitImport\",\"refreshId\":\"r1\",\"target\":\"staging\"}";

    private static MessageSignatures at(Instant now) {
        return new MessageSignatures(KEY, Duration.ofMinutes(15), Clock.fixed(now, ZoneOffset.UTC));
    }

    /** A received record: topic, key, sentAt, signature, value. */
    record Rec(String topic, String key, String sentAt, String sig, String value) {
    }

    static Stream<Arguments> tampered() {
        MessageSignatures.Signature s = at(T).sign("refresh.commands", "r1", VALUE);
        Rec good = new Rec("refresh.commands", "r1", s.sentAt(), s.value(), VALUE);
        return Stream.of(
                Arguments.of("unsigned", (UnaryOperator<Rec>) r -> new Rec(r.topic(), r.key(), null, null, r.value()), "unsigned"),
                Arguments.of("value edited", (UnaryOperator<Rec>) r -> new Rec(r.topic(), r.key(), r.sentAt(), r.sig(),
                        r.value().replace("staging", "production")), "wrong signature"),
                Arguments.of("moved to another topic", (UnaryOperator<Rec>) r -> new Rec("refresh.requested", r.key(), r.sentAt(),
                        r.sig(), r.value()), "wrong signature"),
                Arguments.of("re-keyed to another refresh", (UnaryOperator<Rec>) r -> new Rec(r.topic(), "r2", r.sentAt(), r.sig(),
                        r.value()), "wrong signature"),
                Arguments.of("send time changed", (UnaryOperator<Rec>) r -> new Rec(r.topic(), r.key(),
                        Long.toString(Long.parseLong(r.sentAt()) + 1), r.sig(), r.value()), "wrong signature"),
                Arguments.of("garbage signature", (UnaryOperator<Rec>) r -> new Rec(r.topic(), r.key(), r.sentAt(), "%%%", r.value()),
                        "malformed"),
                Arguments.of("garbage time", (UnaryOperator<Rec>) r -> new Rec(r.topic(), r.key(), "yesterday", r.sig(), r.value()),
                        "malformed"),
                Arguments.of("signed with another key", (UnaryOperator<Rec>) r -> {
                    MessageSignatures other = new MessageSignatures(new Secret("another-key-of-at-least-32-characters!!"),
                            Duration.ofMinutes(15), Clock.fixed(T, ZoneOffset.UTC));
                    MessageSignatures.Signature o = other.sign(r.topic(), r.key(), r.value());
                    return new Rec(r.topic(), r.key(), o.sentAt(), o.value(), r.value());
                }, "wrong signature"),
                Arguments.of("untouched", (UnaryOperator<Rec>) r -> r, null))
                .map(a -> Arguments.of(a.get()[0], ((UnaryOperator<Rec>) a.get()[1]).apply(good), a.get()[2]));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tampered")
    void shouldAcceptOnlyTheUntouchedSignedMessage(String name, Rec r, String refusal) {
        MessageSignatures.Verdict v = at(T.plusSeconds(5)).verify(r.topic(), r.key(), r.sentAt(), r.sig(), r.value());
        if (refusal == null) {
            assertInstanceOf(MessageSignatures.Verdict.Accepted.class, v);
        } else {
            MessageSignatures.Verdict.Refused no = assertInstanceOf(MessageSignatures.Verdict.Refused.class, v, name);
            assertTrue(no.reason().contains(refusal), no.reason());
            assertTrue(!no.reason().contains("staging") && !no.reason().contains(KEY.reveal()), "no value, no key: " + no.reason());
        }
    }

    @Test
    void shouldRefuseAMessageOlderThanTheMaximumAgeOrFromTheFuture() {
        MessageSignatures.Signature s = at(T).sign("refresh.commands", "r1", VALUE);
        assertTrue(at(T.plus(Duration.ofMinutes(14))).verify("refresh.commands", "r1", s.sentAt(), s.value(), VALUE).accepted());
        MessageSignatures.Verdict stale = at(T.plus(Duration.ofMinutes(16))).verify("refresh.commands", "r1", s.sentAt(), s.value(), VALUE);
        assertTrue(((MessageSignatures.Verdict.Refused) stale).reason().contains("stale"));
        MessageSignatures.Verdict future = at(T.minus(Duration.ofMinutes(5))).verify("refresh.commands", "r1", s.sentAt(), s.value(), VALUE);
        assertTrue(((MessageSignatures.Verdict.Refused) future).reason().contains("future"));
    }

    @Test
    void shouldRefuseToWorkWithoutAKey() {
        assertThrows(IllegalArgumentException.class, () -> new MessageSignatures(new Secret(null), Duration.ofMinutes(1)));
    }

    @Test
    void shouldReadTheDeclaredTypeForLogsOnly() {
        assertEquals("CommitImport", SignedIntake.declaredType(VALUE));
        assertEquals("unknown", SignedIntake.declaredType("{\"type\":\"<script>\"}"));
        assertEquals("unknown", SignedIntake.declaredType(null));
    }
}
