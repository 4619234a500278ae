package io.restage.importer.commit;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;

/** Lets the service test drive {@link Sequences} (package-private) against the real target database. */
public final class SequencesAccess {
    public static void restartPastMax(Connection c, String sequence, String maxExpression) throws SQLException {
        Sequences.restartPastMax(c, Map.of(sequence, List.of(maxExpression)));
    }

    private SequencesAccess() {
    }
}
