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

    @Test
    void shouldClassifyConnectionProblemsAsRetriable() {
        assertTrue(Failures.isRetriable(new SQLException("connection refused", "08001")));
        assertTrue(Failures.isRetriable(new RuntimeException(new IOException("reset"))));
        assertFalse(Failures.isRetriable(new SQLException("syntax", "42601")));
    }
}
