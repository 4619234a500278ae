package io.restage.importer.commit;

import io.restage.common.messages.TableCount;
import io.restage.importer.staging.TargetCatalog;
import io.restage.importer.staging.TargetCatalog.TargetColumn;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The previous states a commit keeps for undo. Inside the commit's transaction, before the target's tables are
 * emptied, their rows (generated columns left out) and the positions of their sequences are copied into a schema
 * {@code restage_gen_<refresh>}, listed in {@code restage.generations}. {@link #undo} puts them back in one
 * transaction with the commit's own guarantees (replica role, OVERRIDING SYSTEM VALUE), so the target is either
 * fully restored or untouched. Only the target's latest commit can be undone; an undo consumes its generation, so
 * undoing an undo is refused (start a refresh instead). Each commit keeps at most {@code keep-generations} of them.
 */
public final class Generations {
    static final String TABLE = "restage.generations";

    /** The result of an undo; {@code alreadyDone} when the audit row shows it was undone before. */
    public record Undone(List<TableCount> restored, boolean alreadyDone) {
    }

    /** Why an undo cannot run; the target was not touched. */
    public static final class UndoRefused extends Exception {
        UndoRefused(String message) {
            super(message);
        }
    }

    public static String schemaFor(String refreshId) {
        return "restage_gen_" + refreshId.replaceAll("[^A-Za-z0-9]", "").toLowerCase();
    }

    static void ensureTables(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("create schema if not exists restage");
            st.execute("create table if not exists " + Committer.AUDIT_TABLE + " (refresh_id text primary key, source text not null,"
                    + " target text not null, requested_by text, committed_at timestamptz not null default now(),"
                    + " result text not null, anonymizers_ran text[] not null, anonymizers_skipped text[] not null,"
                    + " rows jsonb not null)");
            st.execute("alter table " + Committer.AUDIT_TABLE + " add column if not exists undone_at timestamptz,"
                    + " add column if not exists undone_by text, add column if not exists snapshot_at timestamptz");
            // the staging marker: the refresh whose data the target holds now (an undo brings the previous one back),
            // readable by every role of the target so the application can show a "staging data" banner
            boolean noMarker;
            try (ResultSet rs = st.executeQuery("select to_regclass('" + Committer.MARKER_VIEW + "') is null")) {
                noMarker = rs.next() && rs.getBoolean(1);
            }
            if (noMarker) {
                st.execute("create view " + Committer.MARKER_VIEW + " as select refresh_id, source, snapshot_at,"
                        + " committed_at, anonymizers_skipped, cardinality(anonymizers_skipped) = 0 as fully_anonymized"
                        + " from " + Committer.AUDIT_TABLE + " where result = 'SUCCEEDED' order by committed_at desc limit 1");
                st.execute("grant usage on schema restage to public");
                st.execute("grant select on " + Committer.MARKER_VIEW + " to public");
            }
            st.execute("create table if not exists " + TABLE + " (refresh_id text primary key, target text not null,"
                    + " schema_name text not null, created_at timestamptz not null default now(), state text not null)");
            HookLedger.createTable(st);
        }
    }

    /** Commits and undos of one target run one at a time (a transaction-scoped advisory lock). */
    static void lockTarget(Connection c, String target) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select pg_advisory_xact_lock(hashtext('restage target ' || ?))")) {
            ps.setString(1, target);
            ps.execute();
        }
    }

    /** Copies the tables about to be replaced, and their sequences' positions, into the refresh's generation. */
    static void keep(Connection c, String refreshId, String target, List<String> tables,
                     Map<String, List<TargetColumn>> columns, Collection<String> sequences) throws SQLException {
        String schema = schemaFor(refreshId);
        try (Statement st = c.createStatement()) {
            st.execute("drop schema if exists " + schema + " cascade");
            st.execute("create schema " + schema);
            st.execute("create table " + schema + "._tables (target_table text primary key, gen_table text not null,"
                    + " columns text not null, rows bigint not null)");
            st.execute("create table " + schema + "._sequences (name text primary key, last_value bigint not null,"
                    + " is_called boolean not null)");
        }
        int i = 0;
        for (String t : tables) {
            List<String> cols = columns.getOrDefault(t, List.of()).stream().filter(tc -> !tc.generated())
                    .map(tc -> TargetCatalog.quote(tc.name())).toList();
            String gen = "g" + (i++);
            long rows;
            try (Statement st = c.createStatement()) {
                // read back only by an undo, whole: no autovacuum work on it (anti-wraparound vacuums still run)
                rows = st.executeUpdate("create table " + schema + "." + gen + " with (autovacuum_enabled = false) as select " + String.join(", ", cols)
                        + " from only " + TargetCatalog.sqlName(t));
            }
            try (PreparedStatement ps = c.prepareStatement("insert into " + schema + "._tables values (?, ?, ?, ?)")) {
                ps.setString(1, t);
                ps.setString(2, gen);
                ps.setString(3, String.join(", ", cols));
                ps.setLong(4, rows);
                ps.executeUpdate();
            }
        }
        for (String seq : sequences) {
            try (Statement st = c.createStatement()) {
                st.execute("insert into " + schema + "._sequences select '" + seq.replace("'", "''")
                        + "', last_value, is_called from " + seq);
            }
        }
        try (PreparedStatement ps = c.prepareStatement("insert into " + TABLE + " (refresh_id, target, schema_name, state)"
                + " values (?, ?, ?, 'KEPT') on conflict (refresh_id) do update set state = 'KEPT', created_at = now()")) {
            ps.setString(1, refreshId);
            ps.setString(2, target);
            ps.setString(3, schema);
            ps.executeUpdate();
        }
    }

    /** Drops the target's kept generations beyond the newest {@code keep}. */
    static void prune(Connection c, String target, int keep) throws SQLException {
        List<String[]> old = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("select refresh_id, schema_name from " + TABLE
                + " where target = ? and state = 'KEPT' order by created_at desc offset ?")) {
            ps.setString(1, target);
            ps.setInt(2, keep);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    old.add(new String[]{rs.getString(1), rs.getString(2)});
                }
            }
        }
        for (String[] g : old) {
            try (Statement st = c.createStatement()) {
                st.execute("drop schema if exists " + g[1] + " cascade");
            }
            try (PreparedStatement ps = c.prepareStatement("update " + TABLE + " set state = 'DROPPED' where refresh_id = ?")) {
                ps.setString(1, g[0]);
                ps.executeUpdate();
            }
        }
    }

    /**
     * Puts the target back as it was before {@code refreshId}'s commit, in one transaction. Refused (nothing
     * touched) unless that commit is the target's latest and its generation is kept.
     */
    public static Undone undo(Connection c, String refreshId, String target, String requestedBy) throws SQLException, UndoRefused {
        c.setAutoCommit(false);
        try {
            ensureTables(c);
            lockTarget(c, target);
            String latest = null;
            String result = null;
            try (PreparedStatement ps = c.prepareStatement("select refresh_id, result from " + Committer.AUDIT_TABLE
                    + " where target = ? order by committed_at desc limit 1")) {
                ps.setString(1, target);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        latest = rs.getString(1);
                        result = rs.getString(2);
                    }
                }
            }
            if (refreshId.equals(latest) && "UNDONE".equals(result)) {
                c.rollback();
                return new Undone(List.of(), true);
            }
            if (!refreshId.equals(latest)) {
                throw new UndoRefused(latest == null ? "target '" + target + "' has no commit of refresh " + refreshId
                        : "refresh " + latest + " committed into '" + target + "' after " + refreshId + ": only the latest"
                        + " commit can be undone (undo that one first)");
            }
            String schema = null;
            try (PreparedStatement ps = c.prepareStatement("select schema_name from " + TABLE + " where refresh_id = ? and state = 'KEPT'")) {
                ps.setString(1, refreshId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        schema = rs.getString(1);
                    }
                }
            }
            if (schema == null) {
                throw new UndoRefused("no previous state of '" + target + "' is kept for refresh " + refreshId
                        + " (environments." + target + ".keep-generations is 0, or it was dropped): nothing to restore");
            }
            try (Statement st = c.createStatement()) {
                st.execute("set local session_replication_role = replica");
            }
            List<String[]> tables = new ArrayList<>();
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select target_table, gen_table, columns, rows from "
                    + schema + "._tables order by target_table")) {
                while (rs.next()) {
                    tables.add(new String[]{rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)});
                }
            }
            Committer.empty(c, tables.stream().map(t -> t[0]).toList());
            List<TableCount> restored = new ArrayList<>();
            for (String[] t : tables) {
                long n = 0;
                if (!t[2].isEmpty()) {
                    try (Statement st = c.createStatement()) {
                        n = st.executeUpdate("insert into " + TargetCatalog.sqlName(t[0]) + " (" + t[2] + ") overriding system value"
                                + " select " + t[2] + " from " + schema + "." + t[1]);
                    }
                }
                if (n != Long.parseLong(t[3])) {
                    throw new IllegalStateException(t[0] + ": restored " + n + " rows but " + t[3] + " were kept");
                }
                restored.add(new TableCount(t[0], n));
            }
            Sequences.restore(c, schema + "._sequences");
            try (PreparedStatement ps = c.prepareStatement("update " + Committer.AUDIT_TABLE + " set result = 'UNDONE',"
                    + " undone_at = now(), undone_by = ? where refresh_id = ?")) {
                ps.setString(1, requestedBy);
                ps.setString(2, refreshId);
                ps.executeUpdate();
            }
            try (Statement st = c.createStatement()) {
                st.execute("drop schema " + schema + " cascade");
            }
            try (PreparedStatement ps = c.prepareStatement("update " + TABLE + " set state = 'RESTORED' where refresh_id = ?")) {
                ps.setString(1, refreshId);
                ps.executeUpdate();
            }
            c.commit();
            return new Undone(restored, false);
        } catch (SQLException | RuntimeException | UndoRefused e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    private Generations() {
    }
}
