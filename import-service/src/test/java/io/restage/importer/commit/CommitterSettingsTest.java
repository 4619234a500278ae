package io.restage.importer.commit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** {@code restage.import.rebuild-indexes-from-rows}: a negative threshold stops the service with the fix. */
class CommitterSettingsTest {

    @Test
    void refusesANegativeThresholdNamingThePropertyAndTheFix() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Committer(-5));
        assertEquals("restage.import.rebuild-indexes-from-rows is -5: it must be 0 or more (0 builds every loaded table's"
                + " indexes after the load; the default is 50000)", e.getMessage());
    }
}
