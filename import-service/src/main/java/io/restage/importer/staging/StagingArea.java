package io.restage.importer.staging;

import io.restage.common.batch.Batch;
import io.restage.common.batch.BatchHeader;
import io.restage.common.batch.Column;
import io.restage.common.messages.TableCount;
import io.restage.common.policy.LeakFingerprints;
import io.restage.importer.staging.TargetCatalog.TargetColumn;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
    /**
     * The staged tables are written once, read by the audit and the commit, and dropped with the schema: vacuuming or
     * analysing them (autovacuum's insert threshold fires during staging) is work for nothing. Anti-wraparound
     * vacuums still run whatever this says.
     */
    static final String NO_AUTOVACUUM = " with (autovacuum_enabled = false)";
    /** Staging schemas this process created or found complete: later batches skip the create-if-not-exists DDL. */
    private static final java.util.Set<String> ENSURED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public StagingArea(String refreshId) {
        this.schema = schemaFor(refreshId);
    }

    public static String schemaFor(String refreshId) {
        return io.restage.common.staging.StagingLayout.schemaFor(refreshId);
    }

    public String schema() {
        return schema;
    }

    /**
     * Creates the staging schema and its ledgers in one transaction, so another session sees all of them or none
     * (a completeness check must never find the schema without its ledgers). Consumers staging in parallel take
     * turns on an advisory lock: concurrent "create ... if not exists" statements can otherwise collide in the
     * catalog.
     */
    public void ensure(Connection c) throws SQLException {
        if (ENSURED.contains(schema)) {
            return; // created by this process already: no DDL (and no lock on _meta) for every batch
        }
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            try (PreparedStatement lock = c.prepareStatement("select pg_advisory_xact_lock(hashtext(?))")) {
                lock.setString(1, schema);
                lock.execute();
            }
            create(c);
            c.commit();
            ENSURED.add(schema);
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }

    private static String stageName(String sourceTable) {
        try {
            byte[] h = java.security.MessageDigest.getInstance("SHA-256").digest(sourceTable.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return "t_" + java.util.HexFormat.of().formatHex(h, 0, 10);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JVM", e);
        }
    }

    /**
     * An area an earlier release created mid-refresh keeps its fingerprints as 8-byte bytea (with a key on
     * {@code _leak_fp}): converted in place to the bigint this release reads and writes, so the refresh goes on.
     */
    private void upgradeFingerprints(Statement st) throws SQLException {
        for (String table : List.of("_leak_fp", "_leak_probe", "_leak_seen")) {
            boolean bytea;
            try (ResultSet rs = st.executeQuery("select atttypid = 'bytea'::regtype from pg_attribute where attrelid = '"
                    + schema + "." + table + "'::regclass and attname = 'fp'")) {
                bytea = rs.next() && rs.getBoolean(1);
            }
            if (bytea) {
                st.execute("alter table " + schema + "." + table + " drop constraint if exists " + table + "_pkey");
                st.execute("alter table " + schema + "." + table + " alter column fp type bigint using ('x' || encode(fp, 'hex'))::bit(64)::bigint");
            }
        }
    }

    private void create(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("create schema if not exists " + schema);
            st.execute("create table if not exists " + schema + "._tables (source_table text primary key,"
                    + " stage_table text, columns text not null, skipped boolean not null, ended boolean not null default false,"
                    + " expected_rows bigint, batch_count bigint, table_checksum bigint, skip_anonymizers text not null default '',"
                    + " conversions text not null default '')");
            st.execute("create table if not exists " + schema + "._batches (source_table text not null, seq bigint not null,"
                    + " row_count bigint not null, source_checksum bigint not null, admin_matches bigint not null,"
                    + " primary key (source_table, seq))");
            // when the target's server started: a crash restart empties unlogged tables (the staged rows), not this ledger
            st.execute("create table if not exists " + schema + "._meta (server_started_at timestamptz not null)");
            st.execute("insert into " + schema + "._meta select pg_postmaster_start_time()"
                    + " where not exists (select 1 from " + schema + "._meta)");
            // which export snapshot the staged rows come from: batches of an earlier one are dropped, a later one starts over
            st.execute("alter table " + schema + "._meta add column if not exists attempt int not null default 1");
            // set once a crash of the target emptied this snapshot's staged rows (why); a new snapshot clears it
            st.execute("alter table " + schema + "._meta add column if not exists lost text");
            // the parts of rows larger than a batch, until the last part arrives
            st.execute("create unlogged table if not exists " + schema + "._parts (source_table text not null, row_id bigint"
                    + " not null, part int not null, data bytea not null, primary key (source_table, row_id, part))" + NO_AUTOVACUUM);
            // keyed fingerprints of audited source values (8 bytes each, as bigint), for the leak audit before the pivot.
            // No key: a value seen in many batches is stored once per batch, and the audit's join counts distinct matches
            // (a primary key on half a million random fingerprints cost the target seconds of btree inserts per refresh)
            st.execute("create unlogged table if not exists " + schema + "._leak_fp (fp bigint not null)" + NO_AUTOVACUUM);
            // the leak audit's keyed probes of staged values (written by the import service, never the key)
            st.execute("create unlogged table if not exists " + schema + "._leak_probe (t int not null, fp bigint not null)" + NO_AUTOVACUUM);
            // the probes each batch's staging took (LeakAuditor.record), per scanned column k of _leak_cols
            st.execute("create unlogged table if not exists " + schema + "._leak_seen (k int not null, fp bigint not null)" + NO_AUTOVACUUM);
            upgradeFingerprints(st);
            st.execute("create unlogged table if not exists " + schema + "._leak_cols (k int primary key, source_table text"
                    + " not null, col text not null, scanned bigint not null)" + NO_AUTOVACUUM);
            // a table that held a row larger than a batch is audited in SQL after staging (its row was never whole here)
            st.execute("alter table " + schema + "._tables add column if not exists audit_in_sql boolean not null default false");
        }
    }

    /**
     * Stages one batch in the caller's transaction. Returns false when the batch was already staged (duplicate).
     */
    /** Opens another connection to the target (to read the committed parts of an oversized row while COPY runs). */
    public interface Reader {
        Connection open() throws SQLException;
    }

    /**
     * What the leak audit needs to probe a batch while it is staged: the policy, the skipped rules and the refresh's
     * fingerprint key. Null when the policy audits nothing (no fingerprint can ever match).
     */
    public record Audit(io.restage.common.config.PolicyConfig policy, List<String> skip, byte[] key) {
    }

    /** The target's catalog, read only when a table is staged for the first time (not for every batch). */
    public interface Catalog {
        Map<String, List<TargetColumn>> read() throws SQLException;
    }

    public boolean stage(Connection c, Batch batch, Catalog target, Reader reader, Audit audit)
            throws SQLException, IOException {
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
            Long[] values = new Long[fps.length / 8];
            ByteBuffer b = ByteBuffer.wrap(fps);
            for (int i = 0; i < values.length; i++) {
                values[i] = b.getLong();
            }
            try (PreparedStatement ps = c.prepareStatement("insert into " + schema + "._leak_fp select unnest(?::bigint[])")) {
                ps.setArray(1, c.createArrayOf("bigint", values));
                ps.executeUpdate();
            }
        }
        if (h.inParts()) {
            if (stageTable != null) {
                try (PreparedStatement ps = c.prepareStatement("update " + schema + "._tables set audit_in_sql = true"
                        + " where source_table = ? and not audit_in_sql")) {
                    ps.setString(1, h.table());
                    ps.executeUpdate();
                }
            }
            stagePart(c, h, batch.payload(), stageTable, reader);
            return true;
        }
        if (stageTable != null && batch.payload().length > 0) {
            String cols = h.columns().stream().map(col -> TargetCatalog.quote(col.name())).collect(Collectors.joining(", "));
            // the batch's leak probes are taken on a worker while the target copies its rows in
            LeakAuditor.PendingProbes probes = audit == null ? null : LeakAuditor.startProbes(c, schema, h.table(), stageTable,
                    h.attempt(), h.columns(), batch.payload(), audit.policy(), audit.skip(), audit.key());
            try {
                long copied = c.unwrap(PGConnection.class).getCopyAPI()
                        .copyIn("copy " + schema + "." + stageTable + " (" + cols + ") from stdin", new ByteArrayInputStream(batch.payload()));
                if (copied != h.rowCount()) {
                    throw new IllegalStateException("batch " + h.seq() + " of " + h.table() + " declares " + h.rowCount()
                            + " rows but holds " + copied);
                }
            } catch (SQLException | IOException | RuntimeException e) {
                if (probes != null) {
                    probes.cancel();
                }
                throw e;
            }
            LeakAuditor.record(c, schema, h.table(), probes);
        }
        return true;
    }

    /**
     * One part of a row larger than a batch. Parts before the last are kept in {@code _parts} (committed with their
     * ledger row). The last part streams the committed parts, read one at a time over a second connection, and
     * then itself into COPY: the row never sits in this service's memory whole.
     */
    private void stagePart(Connection c, BatchHeader h, byte[] payload, String stageTable, Reader reader) throws SQLException {
        long rowId = h.seq() - h.part();
        if (h.part() < h.parts() - 1) {
            try (PreparedStatement ps = c.prepareStatement("insert into " + schema + "._parts values (?, ?, ?, ?)")) {
                ps.setString(1, h.table());
                ps.setLong(2, rowId);
                ps.setInt(3, h.part());
                ps.setBytes(4, payload);
                ps.executeUpdate();
            }
            return;
        }
        if (stageTable != null) {
            String cols = h.columns().stream().map(col -> TargetCatalog.quote(col.name())).collect(Collectors.joining(", "));
            org.postgresql.copy.CopyIn in = c.unwrap(PGConnection.class).getCopyAPI()
                    .copyIn("copy " + schema + "." + stageTable + " (" + cols + ") from stdin");
            int seen = 0;
            try (Connection r = reader.open()) {
                r.setAutoCommit(false); // a cursor: one part in memory at a time
                try (PreparedStatement ps = r.prepareStatement("select data from " + schema + "._parts where source_table = ?"
                        + " and row_id = ? order by part")) {
                    ps.setFetchSize(1);
                    ps.setString(1, h.table());
                    ps.setLong(2, rowId);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            byte[] part = rs.getBytes(1);
                            in.writeToCopy(part, 0, part.length);
                            seen++;
                        }
                    }
                }
                r.rollback();
            } catch (SQLException | RuntimeException e) {
                in.cancelCopy();
                throw e;
            }
            if (seen != h.parts() - 1) {
                in.cancelCopy();
                throw new IllegalStateException(h.table() + ": a row in " + h.parts() + " parts arrived with " + (seen + 1));
            }
            in.writeToCopy(payload, 0, payload.length);
            long copied = in.endCopy();
            if (copied != 1) {
                throw new IllegalStateException(h.table() + ": an oversized row became " + copied + " rows");
            }
        }
        try (PreparedStatement ps = c.prepareStatement("delete from " + schema + "._parts where source_table = ? and row_id = ?")) {
            ps.setString(1, h.table());
            ps.setLong(2, rowId);
            ps.executeUpdate();
        }
    }

    /**
     * The export snapshot whose batches this area holds, locked FOR SHARE in the caller's transaction: staging a batch
     * holds it until commit, so {@link #startOver} (which locks it FOR UPDATE) waits for batches being staged and no
     * batch of the old snapshot lands after the area was emptied.
     */
    public int lockAttempt(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select attempt from " + schema + "._meta for share")) {
            return rs.next() ? rs.getInt(1) : 1;
        }
    }

    /** The export snapshot whose batches this area holds (no lock). */
    public int attempt(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select attempt from " + schema + "._meta")) {
            return rs.next() ? rs.getInt(1) : 1;
        }
    }

    /**
     * The export started over under snapshot {@code attempt}: everything staged from earlier snapshots is dropped (its
     * staging tables, batch ledger, parts and fingerprints) in one transaction, and the area then admits only batches
     * of {@code attempt}. Two snapshots never mix. False (and nothing changed) when the area is already at
     * {@code attempt} or later.
     */
    public boolean startOver(Connection c, int attempt) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select attempt from " + schema + "._meta for update")) {
                if (rs.next() && rs.getInt(1) >= attempt) {
                    c.commit();
                    return false;
                }
            }
            List<String> stageTables = new ArrayList<>();
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select stage_table from " + schema
                    + "._tables where stage_table is not null")) {
                while (rs.next()) {
                    stageTables.add(rs.getString(1));
                }
            }
            try (Statement st = c.createStatement()) {
                for (String t : stageTables) {
                    st.execute("drop table if exists " + schema + "." + t);
                }
                st.execute("delete from " + schema + "._tables");
                st.execute("delete from " + schema + "._batches");
                st.execute("truncate " + schema + "._parts, " + schema + "._leak_fp, " + schema + "._leak_probe, "
                        + schema + "._leak_seen, " + schema + "._leak_cols");
                st.execute("update " + schema + "._meta set attempt = " + attempt + ", server_started_at = pg_postmaster_start_time(),"
                        + " lost = null");
            }
            c.commit();
            return true;
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }

    /** Whether the table's end marker has been recorded. */
    public boolean ended(Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select ended from " + schema + "._tables where source_table = ?")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /** Records a table's end marker (idempotent). */
    public void end(Connection c, BatchHeader end, Catalog target) throws SQLException {
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
     */
    public TableProof verify(Connection c, String table) throws SQLException {
        long expectedRows;
        long batchCount;
        long tableChecksum;
        try (PreparedStatement ps = c.prepareStatement("select ended, expected_rows, batch_count, table_checksum from "
                + schema + "._tables where source_table = ?")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || !rs.getBoolean(1)) {
                    return new TableProof.Pending();
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
            return new TableProof.Pending();
        }
        if (batches != batchCount || maxSeq != batchCount - 1) {
            return new TableProof.Problem(table + ": " + batches + " batches staged (numbered up to " + maxSeq
                    + ") but the export sent " + batchCount + " (numbered 0 to " + (batchCount - 1) + ")");
        }
        if (rows != expectedRows) {
            return new TableProof.Problem(table + ": " + rows + " rows staged but the export counted " + expectedRows);
        }
        if (checksum != tableChecksum) {
            return new TableProof.Problem(table + ": the staged batches' checksum does not match the export's end marker");
        }
        return new TableProof.Proven();
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
                              List<String> skipAnonymizers, List<Conversion> conversions) {
    }

    /** A column whose type differs between source and target: staged as the source's, cast at commit. */
    public record Conversion(String column, String sourceType, String targetType) {
    }

    private static boolean resolves(Connection c, String type) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select to_regtype(?) is not null")) {
            ps.setString(1, type);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /**
     * Proves each conversion with the commit's own semantics (an assignment cast into the target's type) inside a
     * savepoint, so nothing stays behind. Returns the first that cannot be bridged, as a message naming the table,
     * the column and both types; null when all convert.
     */
    public String proveConversions(Connection c, StagedTable t) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            for (Conversion conv : t.conversions()) {
                java.sql.Savepoint sp = c.setSavepoint();
                try (Statement st = c.createStatement()) {
                    st.execute("create temp table restage_probe (v " + conv.targetType() + ") on commit drop");
                    st.execute("insert into restage_probe select s." + TargetCatalog.quote(conv.column()) + " from "
                            + schema + "." + t.stageTable() + " s");
                    c.rollback(sp);
                } catch (SQLException e) {
                    c.rollback(sp);
                    return "column " + t.sourceTable() + "." + conv.column() + " is " + conv.sourceType()
                            + " in the source but " + conv.targetType() + " in the target, and the values cannot be converted ("
                            + io.restage.common.Failures.describe(e) + "): align the target's schema (or the source's) first";
                }
            }
            c.commit();
            return null;
        } finally {
            c.setAutoCommit(auto);
        }
    }

    public List<StagedTable> tables(Connection c) throws SQLException {
        List<StagedTable> out = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select source_table, stage_table, columns,"
                + " coalesce(expected_rows, 0), skip_anonymizers, conversions from " + schema + "._tables order by source_table")) {
            while (rs.next()) {
                String skip = rs.getString(5);
                List<Conversion> conversions = new ArrayList<>();
                for (String line : rs.getString(6).split("\n")) {
                    String[] p = line.split("\t");
                    if (p.length == 3) {
                        conversions.add(new Conversion(p[0], p[1], p[2]));
                    }
                }
                out.add(new StagedTable(rs.getString(1), rs.getString(2), List.of(rs.getString(3).split("\t")), rs.getLong(4),
                        skip.isEmpty() ? List.of() : List.of(skip.split("\t")), List.copyOf(conversions)));
            }
        }
        return out;
    }

    /**
     * Null while the staged rows are intact; otherwise why they are gone. The staging tables are unlogged: when the
     * target's server crashes, recovery empties them while the logged ledger of staged batches survives, and a
     * completeness proof from the ledger alone would vouch for rows that no longer exist. A restart is seen by the
     * server's start time; after one, a table the ledger says holds rows but that is empty means the crash took them.
     * A clean restart keeps unlogged tables: then the new start time is recorded and staging goes on. A loss, once
     * found, is recorded and stays until a new export snapshot starts staging over ({@link #startOver}).
     */
    public String lostToARestart(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select to_regclass('" + schema + "._meta') is null")) {
            rs.next();
            if (rs.getBoolean(1)) {
                return null; // staged by a release that did not record the start time: nothing to compare
            }
        }
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select server_started_at = pg_postmaster_start_time(),"
                + " lost from " + schema + "._meta")) {
            if (!rs.next()) {
                return null;
            }
            if (rs.getString(2) != null) {
                return rs.getString(2); // found before: it stays lost until a new snapshot replaces it
            }
            if (rs.getBoolean(1)) {
                return null;
            }
        }
        List<String> stageTables = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select t.stage_table from " + schema + "._tables t"
                + " where t.stage_table is not null and exists (select 1 from " + schema + "._batches b"
                + " where b.source_table = t.source_table and b.row_count > 0)")) {
            while (rs.next()) {
                stageTables.add(rs.getString(1));
            }
        }
        for (String t : stageTables) {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select exists (select 1 from " + schema + "." + t + ")")) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    String reason = "the target database restarted during staging and its crash recovery emptied the unlogged"
                            + " staging tables of " + schema + ": the staged rows are gone (nothing live was touched); start the"
                            + " refresh again";
                    try (PreparedStatement ps = c.prepareStatement("update " + schema + "._meta set lost = ?")) {
                        ps.setString(1, reason);
                        ps.executeUpdate();
                    }
                    return reason;
                }
            }
        }
        try (Statement st = c.createStatement()) {
            st.executeUpdate("update " + schema + "._meta set server_started_at = pg_postmaster_start_time()");
        }
        return null;
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
        ENSURED.remove(schema);
        LeakAuditor.forget(schema);
    }

    public static List<TableCount> counts(List<StagedTable> tables) {
        return tables.stream().map(t -> new TableCount(t.sourceTable(), t.rows())).toList();
    }

    private String stageTable(Connection c, String table, List<Column> columns, List<String> skip,
                              Catalog catalog) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select stage_table, skipped from " + schema + "._tables where source_table = ?")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    return rs.getBoolean(2) ? null : rs.getString(1);
                }
            }
        }
        // chunks of one table may be staged by two consumers at once: the first creates, the other waits and reuses
        try (PreparedStatement lock = c.prepareStatement("select pg_advisory_xact_lock(hashtext(?))")) {
            lock.setString(1, schema + "/" + table);
            lock.execute();
        }
        try (PreparedStatement ps = c.prepareStatement("select stage_table, skipped from " + schema + "._tables where source_table = ?")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    return rs.getBoolean(2) ? null : rs.getString(1);
                }
            }
        }
        List<TargetColumn> targetColumns = catalog.read().get(table);
        String stageName = null;
        List<String> conversions = new ArrayList<>();
        if (targetColumns != null) {
            stageName = stageName(table); // derived from the name: consumers staging other tables in parallel never collide
            List<String> defs = new ArrayList<>();
            for (Column col : columns) {
                TargetColumn tc = targetColumns.stream().filter(x -> x.name().equals(col.name()) && !x.generated())
                        .findFirst().orElse(null);
                String type;
                if (tc == null) {
                    type = "text"; // only in the source: kept as text, dropped at commit
                } else if (tc.baseType().equals(col.type()) || tc.type().equals(col.type())) {
                    type = tc.type(); // same type: COPY writes the target's type directly
                } else {
                    // drift between releases: stage the source's type (or text if the target lacks it); the cast to the
                    // target's type is proven before the pivot and done by the commit's INSERT (assignment cast)
                    type = resolves(c, col.type()) ? col.type() : "text";
                    conversions.add(col.name() + "\t" + col.type() + "\t" + tc.type());
                }
                defs.add(TargetCatalog.quote(col.name()) + " " + type);
            }
            try (Statement st = c.createStatement()) {
                st.execute("create unlogged table " + schema + "." + stageName + " (" + String.join(", ", defs) + ")" + NO_AUTOVACUUM);
            }
        }
        try (PreparedStatement ps = c.prepareStatement("insert into " + schema + "._tables (source_table, stage_table, columns, skipped,"
                + " skip_anonymizers, conversions) values (?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, table);
            ps.setString(2, stageName);
            ps.setString(3, columns.stream().map(Column::name).collect(Collectors.joining("\t")));
            ps.setBoolean(4, stageName == null);
            ps.setString(5, String.join("\t", skip));
            ps.setString(6, String.join("\n", conversions));
            ps.executeUpdate();
        }
        return stageName;
    }
}
