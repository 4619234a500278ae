package io.restage.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.sql.SQLException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class FailuresTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "ERROR: invalid input syntax for type timestamp with time zone: \"jane@corp.com\"|jane@corp.com",
            "ERROR: value \"4155550123\" is out of range for type integer|4155550123",
            "ERROR: malformed array literal: \"{Jane\"|Jane",
            "ERROR: invalid input value for enum mood: \"Jane Doe\"|Jane Doe",
    })
    void shouldNeverRepeatADataValueFromAServerMessage(String message, String value) {
        String d = Failures.describe(new SQLException(message, "22P02"));
        assertFalse(d.contains(value), d);
        assertTrue(d.contains("withheld") && d.contains("SQLSTATE 22P02"), d);
    }

    @Test
    void shouldKeepQuotedIdentifiers() {
        String d = Failures.describe(new SQLException("ERROR: relation \"public.users\" does not exist", "42P01"));
        assertEquals("ERROR: relation \"public.users\" does not exist (SQLSTATE 42P01)", d);
    }

    @ParameterizedTest(name = "SQLSTATE {0} is {1}")
    @CsvSource({
            "08001, TRANSIENT", "08006, TRANSIENT", "40001, TRANSIENT", "40P01, TRANSIENT", "55P03, TRANSIENT",
            "57P01, TRANSIENT", "57P02, TRANSIENT", "57P03, TRANSIENT", "53300, TRANSIENT", "57014, TRANSIENT",
            "42601, PERMANENT", "23505, PERMANENT", "42P01, PERMANENT", "22P02, PERMANENT", "28P01, PERMANENT",
    })
    void shouldClassifyBySqlState(String state, Failures.Kind kind) {
        assertEquals(kind, Failures.classify(new SQLException("x", state)));
        assertEquals(kind, Failures.classify(new RuntimeException("wrapped", new SQLException("x", state))));
    }

    @Test
    void shouldClassifyIoTimeoutsAndKafkaRetriableErrorsAsTransient() {
        assertEquals(Failures.Kind.TRANSIENT, Failures.classify(new RuntimeException(new IOException("reset"))));
        assertEquals(Failures.Kind.TRANSIENT, Failures.classify(new java.util.concurrent.TimeoutException()));
        assertEquals(Failures.Kind.TRANSIENT, Failures.classify(
                new org.apache.kafka.common.errors.NotLeaderOrFollowerException("moved")));
        assertEquals(Failures.Kind.PERMANENT, Failures.classify(
                new org.apache.kafka.common.errors.AuthorizationException("denied")));
        assertEquals(Failures.Kind.PERMANENT, Failures.classify(new IllegalStateException("bug")));
        assertEquals(Failures.Kind.PERMANENT, Failures.classify(new SQLException("no state")));
    }
}
