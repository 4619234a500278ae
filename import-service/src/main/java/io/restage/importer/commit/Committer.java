package io.restage.importer.commit;

import io.restage.common.Json;
import io.restage.common.messages.Command.CommitImport;
import io.restage.common.messages.TableCount;
import io.restage.importer.staging.StagingArea;
import io.restage.importer.staging.StagingArea.StagedTable;
import io.restage.importer.staging.TargetCatalog;
import io.restage.importer.staging.TargetCatalog.TargetColumn;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * The pivot: one transaction that empties the refreshed tables, moves the staged rows in, resets sequences past
 * the maximum (transactionally, see {@link Sequences}), writes restage's audit row and drops the staging schema. Either
 * all of it commits or the target keeps its old data, sequences included.
 * <p>
 * {@code session_replication_role = replica} keeps the target's triggers (including foreign-key checks and ON
 * DELETE CASCADE) from firing during the load: rows arrive exactly as exported (a {@code last_update} trigger
 * would rewrite them), foreign-key cycles need no ordering, and emptying a table cannot cascade into tables the
 * refresh does not own. The source was consistent, so its foreign keys still hold.
 */
public final class Committer {
    private static final Logger LOG = Logger.getLogger(Committer.class);
    public static final String AUDIT_TABLE = "restage.refresh_audit";
    /** The staging marker: a view of the audit's latest SUCCEEDED commit (see {@link Generations#ensureTables}). */
    public static final String MARKER_VIEW = "restage.marker";
    /** From this many rows, a table's indexes are built after the load instead of maintained row by row. */
    public static final long REBUILD_ROWS = 50_000;
    private final long rebuildRows;

    public Committer() {
        this(REBUILD_ROWS);
    }

    /** {@code rebuildRows}: from how many staged rows a table's indexes are built after the load ({@link IndexRebuild}). */
    public Committer(long rebuildRows) {
        if (rebuildRows < 0) {
            throw new IllegalArgumentException("restage.import.rebuild-indexes-from-rows is " + rebuildRows + ": it must be 0 or"
                    + " more (0 builds every loaded table's indexes after the load; the default is " + REBUILD_ROWS + ")");
        }
        this.rebuildRows = rebuildRows;
    }

    /** Result of a commit; {@code alreadyDone} when the audit row shows this refresh committed earlier. */
    public record Outcome(List<TableCount> imported, boolean alreadyDone, List<io.restage.common.messages.ImportReply.HookResult> hooks) {
        public Outcome(List<TableCount> imported, boolean alreadyDone) {
            this(imported, alreadyDone, List.of());
        }
    }

    public Outcome commit(Connection c, CommitImport cmd, StagingArea area, Predicate<String> excluded, int keepGenerations,
                          java.time.Duration lockTimeout) throws SQLException {
        return commit(c, cmd, area, excluded, keepGenerations, lockTimeout, List.of());
    }

    /** {@code hooks}: the target's in-commit SQL hooks run after the data and the audit row, inside the transaction. */
    public Outcome commit(Connection c, CommitImport cmd, StagingArea area, Predicate<String> excluded, int keepGenerations,
                          java.time.Duration lockTimeout, List<io.restage.common.config.HookConfig> hooks) throws SQLException {
        return commit(c, cmd, area, excluded, keepGenerations, lockTimeout, hooks, CommitConnections.alone());
    }

    /** {@code helpers}: the other connections the commit may use on the target (see {@link CommitConnections}). */
    public Outcome commit(Connection c, CommitImport cmd, StagingArea area, Predicate<String> excluded, int keepGenerations,
                          java.time.Duration lockTimeout, List<io.restage.common.config.HookConfig> hooks, CommitConnections helpers)
            throws SQLException {
        GenerationCopy copy = new GenerationCopy(helpers);
        c.setAutoCommit(false);
        boolean unfinished = false; // a generation schema committed by other connections, dropped if this rolls back
        Phases phases = new Phases();
        try {
            try (Statement st = c.createStatement()) {
                // every lock the commit waits for (the target lock, each table's) is waited for at most this long, so the
                // target's own sessions never queue behind it for longer; the caller retries with back-off
                st.execute("set local lock_timeout = " + Math.max(1, lockTimeout.toMillis()));
            }
            quickerAutovacuumCancel(c);
            Generations.ensureTables(c);
            Generations.lockTarget(c, cmd.target());
            List<TableCount> previous = previousCommit(c, cmd.refreshId());
            if (previous != null) {
                c.rollback();
                return new Outcome(previous, true);
            }
            if (!area.exists(c)) {
                throw new IllegalStateException("nothing is staged for refresh " + cmd.refreshId() + " in target '"
                        + cmd.target() + "' (was it discarded?)");
            }
            try (Statement st = c.createStatement()) {
                st.execute("set local session_replication_role = replica");
            }
            phases.end("target locked");
            Map<String, List<TargetColumn>> target = TargetCatalog.read(c);
            List<StagedTable> staged = area.tables(c);
            List<String> owned = new ArrayList<>();
            for (StagedTable t : staged) {
                if (t.stageTable() != null) {
                    owned.add(t.sourceTable());
                }
            }
            for (String t : target.keySet()) {
                if (!excluded.test(t) && staged.stream().noneMatch(s -> s.sourceTable().equals(t))) {
                    owned.add(t); // in the target only: emptied, reported as missing
                }
            }
            if (keepGenerations > 0) {
                // undo needs what is about to be replaced: copied aside under this transaction's lock on those tables,
                // by it and its helpers (see Generations#keep), listed only if this transaction commits
                unfinished = copy.parallel(owned);
                Generations.keep(c, cmd.refreshId(), cmd.target(), owned, target, touchedSequences(c, owned).keySet(), copy);
            }
            phases.end("generation kept");
            empty(c, owned);
            phases.end("emptied");
            // load first, index after (as pg_restore does): the indexes and keys of big tables are dropped here and
            // rebuilt once the rows are in
            List<String> big = staged.stream().filter(t -> t.stageTable() != null && t.rows() >= rebuildRows)
                    .map(StagedTable::sourceTable).toList();
            Map<String, Long> rows = new java.util.HashMap<>();
            for (String t : owned) {
                rows.put(t, 0L); // a table in the target only is emptied: it has nothing to validate
            }
            for (StagedTable t : staged) {
                if (t.stageTable() != null) {
                    rows.put(t.sourceTable(), t.rows());
                }
            }
            Map<String, Long> loadMillis = new java.util.HashMap<>();
            List<TableCount> imported = IndexRebuild.load(c, big, rows, () -> load(c, area, staged, target, loadMillis), phases::end);
            phases.note("the longest loads: " + loadMillis.entrySet().stream()
                    .sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(5)
                    .map(e -> e.getKey() + " " + e.getValue() + " ms").collect(Collectors.joining(", ")));
            if (cmd.verifyForeignKeys()) {
                String dangling = ForeignKeys.dangling(c, owned);
                if (dangling != null) {
                    throw new IllegalStateException("the refresh would leave references dangling in '" + cmd.target() + "': "
                            + dangling + "; the commit was rolled back, the target keeps its previous data");
                }
            }
            phases.end("references checked");
            resetSequences(c, owned, cmd.sourceMaxima());
            phases.end("sequences reset");
            try (PreparedStatement ps = c.prepareStatement("insert into " + AUDIT_TABLE + " (refresh_id, source, target,"
                    + " requested_by, result, anonymizers_ran, anonymizers_skipped, rows, snapshot_at)"
                    + " values (?, ?, ?, ?, 'SUCCEEDED', ?, ?, ?::jsonb, ?)")) {
                ps.setString(1, cmd.refreshId());
                ps.setString(2, cmd.source());
                ps.setString(3, cmd.target());
                ps.setString(4, cmd.requestedBy());
                ps.setArray(5, c.createArrayOf("text", cmd.anonymizersRan().toArray()));
                ps.setArray(6, c.createArrayOf("text", cmd.skippedAnonymizers().toArray()));
                ps.setString(7, Json.MAPPER.writeValueAsString(imported));
                ps.setObject(8, cmd.snapshotAt() == null ? null
                        : java.time.OffsetDateTime.ofInstant(cmd.snapshotAt(), java.time.ZoneOffset.UTC));
                ps.executeUpdate();
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
            area.drop(c);
            Generations.prune(c, cmd.target(), keepGenerations);
            List<io.restage.common.messages.ImportReply.HookResult> ran = Hooks.inCommit(c, hooks);
            HookLedger.record(c, cmd.refreshId(), hooks, ran);
            c.commit();
            phases.end("audit row, staging dropped, hooks, committed");
            LOG.infof("refresh %s: commit of %d rows into '%s' took %s", cmd.refreshId(),
                    imported.stream().mapToLong(TableCount::rows).sum(), cmd.target(), phases);
            return new Outcome(imported, false, ran);
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            if (unfinished) {
                SQLException left = Generations.dropUnfinished(c, cmd.target(), lockTimeout);
                if (left != null) {
                    LOG.warnf("refresh %s: the unfinished undo generation stays in '%s' until its next commit (%s)",
                            cmd.refreshId(), cmd.target(), left.getSQLState());
                }
            }
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    /** The second write: every staged table into its live table, checked against the staged count. */
    private static List<TableCount> load(Connection c, StagingArea area, List<StagedTable> staged,
                                         Map<String, List<TargetColumn>> target, Map<String, Long> millis) throws SQLException {
        List<TableCount> imported = new ArrayList<>();
        for (StagedTable t : staged) {
            if (t.stageTable() == null) {
                continue;
            }
            List<String> cols = new ArrayList<>();
            for (TargetColumn tc : target.get(t.sourceTable())) {
                if (!tc.generated() && t.columns().contains(tc.name())) {
                    cols.add(TargetCatalog.quote(tc.name()));
                }
            }
            String list = String.join(", ", cols);
            long n;
            long started = System.nanoTime();
            try (Statement st = c.createStatement()) {
                n = st.executeUpdate("insert into " + TargetCatalog.sqlName(t.sourceTable()) + " (" + list
                        + ") overriding system value select " + list + " from " + area.schema() + "." + t.stageTable());
            }
            millis.put(t.sourceTable(), (System.nanoTime() - started) / 1_000_000);
            if (n != t.rows()) {
                throw new IllegalStateException(t.sourceTable() + ": inserted " + n + " rows but " + t.rows() + " were staged");
            }
            imported.add(new TableCount(t.sourceTable(), n));
        }
        return imported;
    }

    /**
     * An autovacuum of a refreshed table (started by the previous refresh's load: back-to-back refreshes meet it) holds a
     * lock the TRUNCATE waits for. The server cancels such a vacuum only when the waiting session runs its deadlock
     * check, after {@code deadlock_timeout} (1 s by default) and again per table: 2.2 to 2.9 s of "emptied" in a
     * benchmark commit. A role allowed to set it (a superuser, or {@code GRANT SET ON PARAMETER deadlock_timeout})
     * checks after 100 ms; any other role keeps the server's setting, nothing else changes.
     */
    static void quickerAutovacuumCancel(Connection c) throws SQLException {
        Savepoint sp = c.setSavepoint();
        try (Statement st = c.createStatement()) {
            st.execute("set local deadlock_timeout = 100");
            c.releaseSavepoint(sp);
        } catch (SQLException notAllowed) {
            c.rollback(sp);
        }
    }

    /** How long each part of a commit (or an undo) took, for its log line: where a slow one spends its time. */
    static final class Phases {
        private final long start = System.nanoTime();
        private long last = start;
        private final StringBuilder parts = new StringBuilder();

        void end(String phase) {
            long now = System.nanoTime();
            parts.append(parts.length() == 0 ? "" : ", ").append(phase).append(' ').append((now - last) / 1_000_000).append(" ms");
            last = now;
        }

        /** A remark in the log line, after the phases so far (no time of its own). */
        void note(String remark) {
            parts.append(" [").append(remark).append(']');
        }

        @Override
        public String toString() {
            return (System.nanoTime() - start) / 1_000_000 + " ms (" + parts + ")";
        }
    }

    /** TRUNCATE all at once (fast); if something outside the refresh references them, DELETE instead (no cascade in replica mode). */
    static void empty(Connection c, List<String> tables) throws SQLException {
        if (tables.isEmpty()) {
            return;
        }
        Savepoint sp = c.setSavepoint();
        try (Statement st = c.createStatement()) {
            st.execute("truncate " + tables.stream().map(t -> "only " + TargetCatalog.sqlName(t)).collect(Collectors.joining(", ")));
            c.releaseSavepoint(sp);
        } catch (SQLException e) {
            c.rollback(sp);
            try (Statement st = c.createStatement()) {
                for (String t : tables) {
                    st.executeUpdate("delete from only " + TargetCatalog.sqlName(t));
                }
            }
        }
    }

    /**
     * Every sequence a refreshed table draws from (serial and identity columns, and plain {@code DEFAULT nextval(...)}
     * columns whose sequence is not OWNED BY them, also through a partitioned parent) is set just past the largest
     * value of every column that uses it, so the next insert in staging cannot collide with a copied id.
     */
    /**
     * Each sequence past the largest value of its columns in the target, and past the source's largest (a subset
     * copies fewer rows than the source has: rows created in staging later must not take ids a full refresh brings).
     */
    private static void resetSequences(Connection c, List<String> tables, java.util.Map<String, Long> sourceMaxima)
            throws SQLException {
        java.util.Map<String, List<String>> maxima = touchedSequences(c, tables);
        if (!sourceMaxima.isEmpty()) {
            for (String[] use : sequenceColumns(c, tables)) {
                Long source = sourceMaxima.get(use[1] + "." + use[2]);
                if (source != null && maxima.containsKey(use[0])) {
                    maxima.get(use[0]).add(Long.toString(source));
                }
            }
        }
        Sequences.restartPastMax(c, maxima);
    }

    /** (sequence regclass text, schema.table, column) of every sequence-fed column of the tables. */
    private static List<String[]> sequenceColumns(Connection c, List<String> tables) throws SQLException {
        List<String[]> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                select s.oid::regclass::text, tn.nspname || '.' || t.relname, a.attname
                from pg_depend d
                join pg_class s on s.oid = d.objid and s.relkind = 'S'
                join pg_class t on t.oid = d.refobjid join pg_namespace tn on tn.oid = t.relnamespace
                join pg_attribute a on a.attrelid = t.oid and a.attnum = d.refobjsubid
                where d.classid = 'pg_class'::regclass and d.refclassid = 'pg_class'::regclass and d.deptype in ('a', 'i')
                  and (tn.nspname || '.' || t.relname = any (?) or exists (select 1 from pg_inherits i join pg_class ch
                       on ch.oid = i.inhrelid join pg_namespace chn on chn.oid = ch.relnamespace
                       where i.inhparent = t.oid and chn.nspname || '.' || ch.relname = any (?)))
                union
                select d.refobjid::regclass::text, tn.nspname || '.' || t.relname, a.attname
                from pg_attrdef ad
                join pg_depend d on d.classid = 'pg_attrdef'::regclass and d.objid = ad.oid and d.refclassid = 'pg_class'::regclass
                join pg_class s on s.oid = d.refobjid and s.relkind = 'S'
                join pg_class t on t.oid = ad.adrelid join pg_namespace tn on tn.oid = t.relnamespace
                join pg_attribute a on a.attrelid = t.oid and a.attnum = ad.adnum
                where tn.nspname || '.' || t.relname = any (?) or exists (select 1 from pg_inherits i join pg_class ch
                      on ch.oid = i.inhrelid join pg_namespace chn on chn.oid = ch.relnamespace
                      where i.inhparent = t.oid and chn.nspname || '.' || ch.relname = any (?))
                """)) {
            java.sql.Array arr = c.createArrayOf("text", tables.toArray());
            for (int i = 1; i <= 4; i++) {
                ps.setArray(i, arr);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new String[]{rs.getString(1), rs.getString(2), rs.getString(3)});
                }
            }
        }
        return out;
    }

    /** The sequences the tables draw from, each with the max() expressions of every column that uses it. */
    private static java.util.Map<String, List<String>> touchedSequences(Connection c, List<String> tables) throws SQLException {
        String sql = """
                with uses as (
                    select d.objid as seq, d.refobjid as rel, d.refobjsubid as attnum
                    from pg_depend d
                    where d.classid = 'pg_class'::regclass and d.refclassid = 'pg_class'::regclass and d.deptype in ('a', 'i')
                    union
                    select d.refobjid, ad.adrelid, ad.adnum
                    from pg_attrdef ad
                    join pg_depend d on d.classid = 'pg_attrdef'::regclass and d.objid = ad.oid and d.refclassid = 'pg_class'::regclass
                ), seq_uses as (
                    select u.seq, u.rel, a.attname
                    from uses u
                    join pg_class s on s.oid = u.seq and s.relkind = 'S'
                    join pg_attribute a on a.attrelid = u.rel and a.attnum = u.attnum
                ), touched as (
                    select distinct su.seq from seq_uses su
                    join pg_class t on t.oid = su.rel join pg_namespace tn on tn.oid = t.relnamespace
                    where tn.nspname || '.' || t.relname = any (?)
                       or exists (select 1 from pg_inherits i join pg_class ch on ch.oid = i.inhrelid
                                  join pg_namespace chn on chn.oid = ch.relnamespace
                                  where i.inhparent = t.oid and chn.nspname || '.' || ch.relname = any (?))
                )
                select su.seq::regclass::text, su.rel::regclass::text, quote_ident(su.attname)
                from seq_uses su where su.seq in (select seq from touched)
                order by 1
                """;
        java.util.Map<String, List<String>> maxima = new java.util.LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            java.sql.Array arr = c.createArrayOf("text", tables.toArray());
            ps.setArray(1, arr);
            ps.setArray(2, arr);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    maxima.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
                            .add("(select max(" + rs.getString(3) + ") from " + rs.getString(2) + ")");
                }
            }
        }
        return maxima;
    }

    /**
     * The fact, read from the target itself: the rows this refresh committed, from its audit row (written in the same
     * transaction as the data), or null if it never committed there.
     */
    public static List<TableCount> committed(Connection c, String refreshId) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select to_regclass('" + AUDIT_TABLE + "') is null")) {
            rs.next();
            if (rs.getBoolean(1)) {
                return null; // no commit ever reached this target
            }
        }
        return previousCommit(c, refreshId);
    }

    private static List<TableCount> previousCommit(Connection c, String refreshId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select rows::text from " + AUDIT_TABLE + " where refresh_id = ?")) {
            ps.setString(1, refreshId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                return List.of(Json.MAPPER.readValue(rs.getString(1), TableCount[].class));
            } catch (java.io.IOException e) {
                throw new IllegalStateException("audit row of refresh " + refreshId + " is unreadable", e);
            }
        }
    }
}
