package io.restage.importer.commit;

import io.restage.importer.staging.TargetCatalog;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/** Lets the service tests keep an undo generation (package-private in {@link Generations}) as a commit does. */
public final class GenerationsAccess {
    public static String schemaFor(String refreshId) {
        return Generations.schemaFor(refreshId);
    }

    /** Keeps {@code table} as the generation of {@code refreshId} in one committed transaction, as a commit would. */
    public static void keepAndCommit(Connection c, String refreshId, String target, String table) throws SQLException {
        c.setAutoCommit(false);
        Generations.ensureTables(c);
        Generations.keep(c, refreshId, target, List.of(table), TargetCatalog.read(c), List.of(),
                new GenerationCopy(CommitConnections.alone()));
        c.commit();
        c.setAutoCommit(true);
    }

    private GenerationsAccess() {
    }
}
