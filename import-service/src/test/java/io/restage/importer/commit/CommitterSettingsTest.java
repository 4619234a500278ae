package io.restage.importer.commit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The commit's settings: a value out of range stops the service with the property's name and the fix. */
class CommitterSettingsTest {

    @Test
    void refusesANegativeThresholdNamingThePropertyAndTheFix() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Committer(-5));
        assertEquals("restage.import.rebuild-indexes-from-rows is -5: it must be 0 or more (0 builds every loaded table's"
                + " indexes after the load; the default is 50000)", e.getMessage());
    }

    @Test
    void refusesFewerThanOneCommitConnectionNamingThePropertyAndTheFix() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CommitConnections.checked(0));
        assertEquals("restage.import.commit-connections is 0: it must be 1 or more (1: the commit works on its own connection"
                + " only; the default is 2)", e.getMessage());
        assertEquals(3, CommitConnections.checked(3));
    }
}
