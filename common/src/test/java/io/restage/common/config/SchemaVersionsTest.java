package io.restage.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SchemaVersionsTest {

    @ParameterizedTest(name = "{0} vs {1} -> {2}")
    @CsvSource({"1.10, 1.9, 1", "2, 10, -1", "1.0, 1, 0", "2024_05_01, 2024_04_30, 1", "3.1.0, 3.1, 0",
            "1.2.a, 1.2.b, -1", "42, 42, 0", "7, 6.99, 1"})
    void shouldOrderVersionsLikeMigrationToolsDo(String a, String b, int expected) {
        assertEquals(expected, Integer.signum(SchemaVersions.compare(a, b)));
    }
}
