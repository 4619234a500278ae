package io.restage.importer.staging;

import io.restage.common.batch.Batch;
import io.restage.common.batch.BatchHeader;
import io.restage.common.batch.Column;
import io.restage.common.messages.TableCount;
import io.restage.common.policy.LeakFingerprints;
import io.restage.importer.staging.TargetCatalog.TargetColumn;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.postgresql.PGConnection;

/**
 * One refresh's staged data inside the target database, in its own schema {@code restage_stage_<id>}. Live tables
 * are never touched here. Each source table gets an unlogged staging table whose shared columns have the target's
 * types (so COPY already converts) and whose source-only columns are text (dropped at commit).
 * <p>
 * {@code _batches} records every staged batch in the same transaction as its rows: a redelivered batch hits the
 * primary key and is skipped, and a restarted importer resumes from what is recorded. {@code _tables} records the
 * end markers, against which completeness is proven.
 */
public final class StagingArea {
    private final String schema;

    public StagingArea(String refreshId) {
        this.schema = schemaFor(refreshId);
    }

    public static String schemaFor(String refreshId) {
        return "restage_stage_" + refreshId.replaceAll("[^A-Za-z0-9]", "").toLowerCase();
    }

    public String schema() {
        return schema;
    }

    public void ensure(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("create schema if not exists " + schema);
            st.execute("create table if not exists " + schema + "._tables (source_table text primary key,"
                    + " stage_table text, columns text not null, skipped boolean not null, ended boolean not null default false,"
                    + " expected_rows bigint, batch_count bigint, table_checksum bigint, skip_anonymizers text not null default '')");
            st.execute("create table if not exists " + schema + "._batches (source_table text not null, seq bigint not null,"
                    + " row_count bigint not null, source_checksum bigint not null, admin_matches bigint not null,"
                    + " primary key (source_table, seq))");
            // keyed fingerprints of audited source values (8 bytes each), for the leak audit before the pivot
            st.execute("create unlogged table if not exists " + schema + "._leak_fp (fp bytea primary key)");
        }
    }

    /**
     * Stages one batch in the caller's transaction. Returns false when the batch was already staged (duplicate).
     */
    public boolean stage(Connection c, Batch batch, Map<String, List<TargetColumn>> target) throws SQLException, IOException {
        BatchHeader h = batch.header();
        String stageTable = stageTable(c, h.table(), h.columns(), h.skipAnonymizers(), target);
        try (PreparedStatement ps = c.prepareStatement("insert into " + schema + "._batches values (?, ?, ?, ?, ?) on conflict do nothing")) {
            ps.setString(1, h.table());
            ps.setLong(2, h.seq());
            ps.setLong(3, h.rowCount());
            ps.setLong(4, h.sourceChecksum());
            ps.setLong(5, h.adminMatches());
            if (ps.executeUpdate() == 0) {
                return false;
            }
        }
        byte[] fps = LeakFingerprints.decode(h.leakFingerprints());
        if (fps.length > 0) {
            try (PreparedStatement ps = c.prepareStatement("insert into " + schema + "._leak_fp select substring(?::bytea"
                    + " from i * 8 + 1 for 8) from generate_series(0, ? - 1) i on conflict do nothing")) {
                ps.setBytes(1, fps);
                ps.setInt(2, fps.length / 8);
                ps.executeUpdate();
            }
        }
        if (stageTable != null && batch.payload().length > 0) {
            String cols = h.columns().stream().map(col -> TargetCatalog.quote(col.name())).collect(Collectors.joining(", "));
            long copied = c.unwrap(PGConnection.class).getCopyAPI()
                    .copyIn("copy " + schema + "." + stageTable + " (" + cols + ") from stdin", new ByteArrayInputStream(batch.payload()));
            if (copied != h.rowCount()) {
                throw new IllegalStateException("batch " + h.seq() + " of " + h.table() + " declares " + h.rowCount()
                        + " rows but holds " + copied);
            }
        }
        return true;
    }

    /** Records a table's end marker (idempotent). */
    public void end(Connection c, BatchHeader end, Map<String, List<TargetColumn>> target) throws SQLException {
        stageTable(c, end.table(), end.columns(), end.skipAnonymizers(), target);
        try (PreparedStatement ps = c.prepareStatement("update " + schema + "._tables set ended = true, expected_rows = ?,"
                + " batch_count = ?, table_checksum = ? where source_table = ?")) {
            ps.setLong(1, end.rowCount());
            ps.setLong(2, end.batchCount());
            ps.setLong(3, end.tableChecksum());
            ps.setString(4, end.table());
            ps.executeUpdate();
        }
    }

    /**
     * Proves a table complete: every batch 0..n-1 present once, rows and checksum sum equal to the end marker.
     * Returns null when complete, "pending" when the marker has not arrived, or what is wrong.
     */
    public String verify(Connection c, String table) throws SQLException {
        long expectedRows;
        long batchCount;
        long tableChecksum;
        try (PreparedStatement ps = c.prepareStatement("select ended, expected_rows, batch_count, table_checksum from "
                + schema + "._tables where source_table = ?")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || !rs.getBoolean(1)) {
                    return "pending";
                }
                expectedRows = rs.getLong(2);
                batchCount = rs.getLong(3);
                tableChecksum = rs.getLong(4);
            }
        }
        long rows = 0;
        long checksum = 0;
        long batches = 0;
        long maxSeq = -1;
        try (PreparedStatement ps = c.prepareStatement("select seq, row_count, source_checksum from " + schema
                + "._batches where source_table = ?")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    batches++;
                    maxSeq = Math.max(maxSeq, rs.getLong(1));
                    rows += rs.getLong(2);
                    checksum += rs.getLong(3);
                }
            }
        }
        if (batches < batchCount) {
            return "pending";
        }
        if (batches != batchCount || maxSeq != batchCount - 1) {
            return table + ": " + batches + " batches staged but the export sent " + batchCount;
        }
        if (rows != expectedRows) {
            return table + ": " + rows + " rows staged but the export counted " + expectedRows;
        }
        if (checksum != tableChecksum) {
            return table + ": the staged batches' checksum does not match the export's end marker";
        }
        return null;
    }

    public long adminMatches(Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select coalesce(sum(admin_matches), 0) from " + schema + "._batches where source_table = ?")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** The staged tables: source table, staging table (null when the target lacks the table), source columns. */
    public record StagedTable(String sourceTable, String stageTable, List<String> columns, long rows,
                              List<String> skipAnonymizers) {
    }

    public List<StagedTable> tables(Connection c) throws SQLException {
        List<StagedTable> out = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select source_table, stage_table, columns,"
                + " coalesce(expected_rows, 0), skip_anonymizers from " + schema + "._tables order by source_table")) {
            while (rs.next()) {
                String skip = rs.getString(5);
                out.add(new StagedTable(rs.getString(1), rs.getString(2), List.of(rs.getString(3).split("\t")), rs.getLong(4),
                        skip.isEmpty() ? List.of() : List.of(skip.split("\t"))));
            }
        }
        return out;
    }

    public boolean exists(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select 1 from pg_namespace where nspname = ?")) {
            ps.setString(1, schema);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    public void drop(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("drop schema if exists " + schema + " cascade");
        }
    }

    public static List<TableCount> counts(List<StagedTable> tables) {
        return tables.stream().map(t -> new TableCount(t.sourceTable(), t.rows())).toList();
    }

    private String stageTable(Connection c, String table, List<Column> columns, List<String> skip,
                              Map<String, List<TargetColumn>> target) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select stage_table, skipped from " + schema + "._tables where source_table = ?")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    return rs.getBoolean(2) ? null : rs.getString(1);
                }
            }
        }
        List<TargetColumn> targetColumns = target.get(table);
        String stageName = null;
        if (targetColumns != null) {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select count(*) from " + schema + "._tables")) {
                rs.next();
                stageName = "t" + rs.getLong(1);
            }
            Set<String> seen = new HashSet<>();
            List<String> defs = new ArrayList<>();
            for (Column col : columns) {
                seen.add(col.name());
                String type = targetColumns.stream().filter(tc -> tc.name().equals(col.name()) && !tc.generated())
                        .map(TargetColumn::type).findFirst().orElse("text");
                defs.add(TargetCatalog.quote(col.name()) + " " + type);
            }
            try (Statement st = c.createStatement()) {
                st.execute("create unlogged table " + schema + "." + stageName + " (" + String.join(", ", defs) + ")");
            }
        }
        try (PreparedStatement ps = c.prepareStatement("insert into " + schema + "._tables (source_table, stage_table, columns, skipped,"
                + " skip_anonymizers) values (?, ?, ?, ?, ?)")) {
            ps.setString(1, table);
            ps.setString(2, stageName);
            ps.setString(3, columns.stream().map(Column::name).collect(Collectors.joining("\t")));
            ps.setBoolean(4, stageName == null);
            ps.setString(5, String.join("\t", skip));
            ps.executeUpdate();
        }
        return stageName;
    }
}
