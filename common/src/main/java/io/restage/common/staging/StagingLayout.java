package io.restage.common.staging;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/**
 * Where a refresh's staged rows are in its target, between STAGE and COMMIT: the schema {@code restage_stage_<id>}, and
 * in its ledger {@code _tables} the staged table of each source table (named from a hash of the source table's name;
 * the source's column names kept). The import service writes it; the media service reads the object keys of the rows
 * about to be committed from it (media guided by the database).
 */
public final class StagingLayout {
    private StagingLayout() {
    }

    public static String schemaFor(String refreshId) {
        return "restage_stage_" + refreshId.replaceAll("[^A-Za-z0-9]", "").toLowerCase();
    }

    /** The qualified staged table of {@code sourceTable} (schema.table), empty if it was not staged or was skipped. */
    public static Optional<String> stagedTable(Connection c, String refreshId, String sourceTable) throws SQLException {
        String schema = schemaFor(refreshId);
        try (PreparedStatement ps = c.prepareStatement("select stage_table from " + schema + "._tables"
                + " where source_table = ? and not skipped and stage_table is not null")) {
            ps.setString(1, sourceTable);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(schema + "." + rs.getString(1)) : Optional.empty();
            }
        }
    }

    /** Whether the refresh's staging schema exists in this database. */
    public static boolean exists(Connection c, String refreshId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select to_regclass(?) is not null")) {
            ps.setString(1, schemaFor(refreshId) + "._tables");
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }
}
