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
        keep(c, refreshId, target, tables, columns, sequences, new GenerationCopy(CommitConnections.alone()));
    }

    /**
     * As above, the tables copied by {@code copy} (on several connections). First the commit's transaction locks every
     * table it replaces {@code EXCLUSIVE} (reads go on, writes wait for the commit's end): a row another session
     * committed between the copy and the commit's emptying would otherwise be in neither the generation nor the new data.
     */
    static void keep(Connection c, String refreshId, String target, List<String> tables,
                     Map<String, List<TargetColumn>> columns, Collection<String> sequences, GenerationCopy copy) throws SQLException {
        String schema = schemaFor(refreshId);
        if (!tables.isEmpty()) {
            try (Statement st = c.createStatement()) {
                st.execute("lock table " + tables.stream().map(t -> "only " + TargetCatalog.sqlName(t))
                        .collect(java.util.stream.Collectors.joining(", ")) + " in exclusive mode");
            }
        }
        // committed: the other connections create their tables in it
        boolean parallel = copy.parallel(tables) && copy.createSchema(schema, target);
        try (Statement st = c.createStatement()) {
            if (!parallel) {
                st.execute("drop schema if exists " + schema + " cascade");
                st.execute("create schema " + schema);
            }
            st.execute("create table " + schema + "._tables (target_table text primary key, gen_table text not null,"
                    + " columns text not null, rows bigint not null)");
            st.execute("create table " + schema + "._sequences (name text primary key, last_value bigint not null,"
                    + " is_called boolean not null)");
        }
        List<String> lists = new ArrayList<>();
        for (String t : tables) {
            lists.add(String.join(", ", columns.getOrDefault(t, List.of()).stream().filter(tc -> !tc.generated())
                    .map(tc -> TargetCatalog.quote(tc.name())).toList()));
        }
        for (GenerationCopy.Copied g : copy.copy(c, schema, tables, lists, parallel)) {
            try (PreparedStatement ps = c.prepareStatement("insert into " + schema + "._tables values (?, ?, ?, ?)")) {
                ps.setString(1, g.table());
                ps.setString(2, g.gen());
                ps.setString(3, g.columns());
                ps.setLong(4, g.rows());
                ps.executeUpdate();
            }
        }
        for (String seq : sequences) {
            try (Statement st = c.createStatement()) {
                st.execute("insert into " + schema + "._sequences select '" + seq.replace("'", "''")
                        + "', last_value, is_called from " + seq);
            }
        }
        try (Statement st = c.createStatement()) {
            st.execute("comment on schema " + schema + " is " + TargetCatalog.literal("restage: undo generation of target " + target));
        }
        try (PreparedStatement ps = c.prepareStatement("insert into " + TABLE + " (refresh_id, target, schema_name, state)"
                + " values (?, ?, ?, 'KEPT') on conflict (refresh_id) do update set state = 'KEPT', created_at = now()")) {
            ps.setString(1, refreshId);
            ps.setString(2, target);
            ps.setString(3, schema);
            ps.executeUpdate();
        }
    }

    /**
     * Drops the target's generation schemas a commit that rolled back left unfinished (see {@link GenerationCopy}), in a
     * transaction of its own under the target's lock (so never one a running commit is copying). Best effort: a
     * failure is returned, not thrown, and the target's next commit drops them ({@link #prune}).
     */
    static SQLException dropUnfinished(Connection c, String target, java.time.Duration lockTimeout) {
        try {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("set local lock_timeout = " + Math.max(1, lockTimeout.toMillis()));
            }
            lockTarget(c, target);
            dropUnfinishedLocked(c, target);
            c.commit();
            return null;
        } catch (SQLException e) {
            try {
                c.rollback();
            } catch (SQLException ignored) {
                // the connection is gone: the next commit drops them
            }
            return e;
        }
    }

    private static void dropUnfinishedLocked(Connection c, String target) throws SQLException {
        List<String> unfinished = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("select nspname from pg_namespace where nspname like 'restage\\_gen\\_%'"
                + " and obj_description(oid, 'pg_namespace') = ?")) {
            ps.setString(1, GenerationCopy.UNFINISHED + target);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    unfinished.add(rs.getString(1));
                }
            }
        }
        for (String schema : unfinished) {
            try (Statement st = c.createStatement()) {
                st.execute("drop schema if exists " + TargetCatalog.quote(schema) + " cascade");
            }
        }
    }

    /**
     * Makes {@code refreshId}'s generation crash-safe once its commit is done: each of its tables still unlogged is
     * rewritten logged ({@code ALTER TABLE ... SET LOGGED}), one at a time, outside any commit. The commit copies them
     * unlogged (no WAL on its critical path: half the copy's time on the benchmark); until this has run, a crash
     * restart or a failover of the target's server empties them, and {@link #undo} refuses to restore from them.
     * Returns how many tables it made logged (0 when the generation is gone, pruned by a later commit).
     */
    public static int makeDurable(Connection c, String refreshId, java.time.Duration lockTimeout) throws SQLException {
        String schema = schemaFor(refreshId);
        List<String> unlogged = new ArrayList<>();
        try (Statement st = c.createStatement()) {
            st.execute("set lock_timeout = " + Math.max(1, lockTimeout.toMillis()));
            try (ResultSet rs = st.executeQuery("select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace"
                    + " where n.nspname = '" + schema + "' and c.relkind = 'r' and c.relpersistence = 'u' order by c.relname")) {
                while (rs.next()) {
                    unlogged.add(rs.getString(1));
                }
            }
            for (String t : unlogged) {
                st.execute("alter table if exists " + schema + "." + TargetCatalog.quote(t) + " set logged");
            }
        }
        return unlogged.size();
    }

    /**
     * The refreshes whose kept generation in this database still has unlogged tables: an importer that stopped (or lost
     * the target) between a commit and {@link #makeDurable} left them so. Only generations kept before {@code before}
     * (this process's start): a later one belongs to a commit whose importer is alive and makes it crash-safe itself.
     * Empty where restage never committed.
     */
    public static List<String> notDurable(Connection c, java.time.Instant before) throws SQLException {
        List<String> ids = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select to_regclass('" + TABLE + "') is not null")) {
            rs.next();
            if (!rs.getBoolean(1)) {
                return ids;
            }
        }
        try (PreparedStatement ps = c.prepareStatement("select g.refresh_id from " + TABLE + " g where g.state = 'KEPT'"
                + " and g.created_at < ? and exists (select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace"
                + " where n.nspname = g.schema_name and c.relkind = 'r' and c.relpersistence = 'u') order by g.created_at")) {
            ps.setObject(1, java.time.OffsetDateTime.ofInstant(before, java.time.ZoneOffset.UTC));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getString(1));
                }
            }
        }
        return ids;
    }

    /**
     * Null if every table of the generation still holds the rows it kept; otherwise why not. Only an unlogged one can
     * have lost them: crash recovery empties unlogged tables.
     */
    private static String lostToACrash(Connection c, String schema, String refreshId, List<String[]> tables) throws SQLException {
        for (String[] t : tables) {
            boolean unlogged;
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select relpersistence = 'u' from pg_class where oid = '"
                    + schema + "." + t[1] + "'::regclass")) {
                unlogged = rs.next() && rs.getBoolean(1);
            }
            if (!unlogged) {
                continue;
            }
            long left;
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select count(*) from " + schema + "." + t[1])) {
                rs.next();
                left = rs.getLong(1);
            }
            if (left != Long.parseLong(t[3])) {
                return "the previous state kept for refresh " + refreshId + " was lost: a crash restart or failover of the target's"
                        + " server emptied it before it was made crash-safe (" + t[0] + ": " + t[3] + " rows kept, " + left
                        + " left); nothing was restored, the target keeps its current data";
            }
        }
        return null;
    }

    /** Drops the target's kept generations beyond the newest {@code keep}. */
    static void prune(Connection c, String target, int keep) throws SQLException {
        dropUnfinishedLocked(c, target); // what a commit that rolled back left (this commit's own is marked kept by now)
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
            java.sql.Savepoint sp = c.setSavepoint();
            try {
                try (Statement st = c.createStatement()) {
                    st.execute("drop schema if exists " + g[1] + " cascade");
                }
                try (PreparedStatement ps = c.prepareStatement("update " + TABLE + " set state = 'DROPPED' where refresh_id = ?")) {
                    ps.setString(1, g[0]);
                    ps.executeUpdate();
                }
                c.releaseSavepoint(sp);
            } catch (SQLException e) {
                if (!"55P03".equals(e.getSQLState())) {
                    throw e;
                }
                // still being made crash-safe (its tables locked by ALTER TABLE ... SET LOGGED, or read by a session of the
                // target): no undo can use it any more (a later commit exists), the next commit drops it
                c.rollback(sp);
                LOG.infof("the undo generation of refresh %s in '%s' is in use: dropped by the target's next commit", g[0], target);
            }
        }
    }

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(Generations.class);

    /**
     * Puts the target back as it was before {@code refreshId}'s commit, in one transaction. Refused (nothing
     * touched) unless that commit is the target's latest and its generation is kept.
     */
    public static Undone undo(Connection c, String refreshId, String target, String requestedBy) throws SQLException, UndoRefused {
        return undo(c, refreshId, target, requestedBy, Committer.REBUILD_ROWS);
    }

    /**
     * As above; tables with {@code rebuildRows} or more kept rows are restored the way the commit loads them
     * ({@link IndexRebuild}): their indexes and keys dropped, the rows put back, then built once.
     */
    public static Undone undo(Connection c, String refreshId, String target, String requestedBy, long rebuildRows)
            throws SQLException, UndoRefused {
        Committer.Phases phases = new Committer.Phases();
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
            String lost = lostToACrash(c, schema, refreshId, tables);
            if (lost != null) {
                throw new UndoRefused(lost);
            }
            phases.end("target locked");
            Committer.empty(c, tables.stream().map(t -> t[0]).toList());
            phases.end("emptied");
            Map<String, Long> kept = new java.util.LinkedHashMap<>();
            for (String[] t : tables) {
                kept.put(t[0], Long.parseLong(t[3]));
            }
            List<String> big = tables.stream().filter(t -> !t[2].isEmpty() && Long.parseLong(t[3]) >= rebuildRows)
                    .map(t -> t[0]).toList();
            String from = schema;
            List<TableCount> restored = IndexRebuild.load(c, big, kept, () -> restoreRows(c, from, tables), phases::end);
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
            phases.end("audit row, generation dropped, committed");
            LOG.infof("refresh %s: undo of %d rows in '%s' took %s", refreshId, restored.stream().mapToLong(TableCount::rows).sum(),
                    target, phases);
            return new Undone(restored, false);
        } catch (SQLException | RuntimeException | UndoRefused e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    /** Puts every kept table's rows back (into the emptied tables); checks each count against the generation's. */
    private static List<TableCount> restoreRows(Connection c, String schema, List<String[]> tables) throws SQLException {
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
        return restored;
    }

    private Generations() {
    }
}
