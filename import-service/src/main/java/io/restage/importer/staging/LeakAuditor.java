package io.restage.importer.staging;

import io.restage.common.config.PolicyConfig;
import io.restage.common.config.RuleConfig;
import io.restage.common.messages.ImportReply.LeakAudit;
import io.restage.common.policy.LeakFingerprints;
import io.restage.common.policy.TransformerCatalog;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.nio.charset.StandardCharsets;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import java.util.ArrayList;
import java.util.List;

/**
 * The leak audit, run on the staged data before the pivot: looks for the fingerprints the anonymizer took of every
 * audited source value ({@code _leak_fp}) in every text-like staged column: whole values, the words of free text
 * that hold a digit or an @ (split on spaces and punctuation: where an email, phone number or token hides), the
 * strings inside JSON and the elements of text arrays. Any match means a
 * production value of a ruled column would reach staging through some other column (a denormalised copy, a
 * column marked keep, a JSON document), so the refresh fails and names the column.
 * <p>
 * Columns whose values a transformer wrote are scanned only for the transformers whose fake could be a real person's
 * contact or credential ({@link TransformerCatalog#SCANNED_WHEN_WRITTEN}: phone, street, token, hash, email): a fake
 * equal to a production value is then a leak too. Columns whose rule the request skipped are not scanned (the operator
 * accepted that risk).
 * The target returns normalised candidates and computes nothing keyed; the refresh's fingerprint key stays in the service (see {@link #run}).
 */
public final class LeakAuditor {
    private static final String WORD_SPLIT = "E'[\\\\s,;:<>()\\\\[\\\\]{}\"''|]+'";

    enum Shape { TEXT, JSON, TEXT_ARRAY }

    private record Target(String sourceTable, String stageTable, String column, Shape shape) {
    }

    /** Opens a second connection to the target, for writing probes while the first one reads. */
    public interface Connector {
        Connection open() throws SQLException;
    }

    /**
     * Runs the audit. The probes of every batch were taken while it was staged ({@link #record}); the match of probes
     * against the anonymizer's fingerprints is one join in the target. Tables with a row larger than a batch are
     * scanned here instead: the target returns the distinct normalised candidate values and words (of the staged, already
     * anonymized rows), streamed by {@code COPY ... TO STDOUT}; the service fingerprints each ({@link LeakFingerprints#of}) and writes
     * the probes back over a second connection. Memory stays bounded, and the key never leaves the service.
     */
    public static LeakAudit run(Connection c, Connector second, StagingArea area, List<StagingArea.StagedTable> staged,
                                PolicyConfig policy, List<String> skip, byte[] key) throws SQLException {
        try (Statement st = c.createStatement()) {
            // the probe tables were only ever written (autovacuum is off on them): without statistics the planner expects
            // billions of matches, sorts both sides of a merge join and JIT-compiles it, which took 2.5 times as long as a
            // hash join (measured on 600k fingerprints and 1.35M probes; an ANALYZE first costs as much as it saves)
            st.execute("set jit = off");
            st.execute("set enable_mergejoin = off");
        }
        LeakAudit result;
        try {
            result = audit(c, second, area, staged, policy, skip, key);
        } catch (SQLException | RuntimeException e) {
            try {
                resetPlanner(c);
            } catch (SQLException reset) {
                e.addSuppressed(reset); // the audit's own failure is the one to report
            }
            throw e;
        }
        resetPlanner(c);
        return result;
    }

    private static void resetPlanner(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("reset jit");
            st.execute("reset enable_mergejoin");
        }
    }

    private static LeakAudit audit(Connection c, Connector second, StagingArea area, List<StagingArea.StagedTable> staged,
                                   PolicyConfig policy, List<String> skip, byte[] key) throws SQLException {
        long fingerprints;
        // fingerprints taken: a value met in several batches was fingerprinted (and is counted) in each
        try (PreparedStatement ps = c.prepareStatement("select count(*) from " + area.schema() + "._leak_fp");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            fingerprints = rs.getLong(1);
        }
        List<Target> targets = targets(c, area, staged, policy, skip);
        if (fingerprints == 0) {
            return new LeakAudit(0, targets.size(), 0, List.of());
        }
        String probes = area.schema() + "._leak_probe";
        // two consumers may finish their last tables at once and both prove the refresh: one audit at a time per
        // refresh, or they would share (and truncate) each other's probes
        try (PreparedStatement lock = c.prepareStatement("select pg_advisory_lock(hashtext(?))")) {
            lock.setString(1, probes);
            lock.execute();
        }
        try {
            try (Statement st = c.createStatement()) {
                st.execute("create unlogged table if not exists " + probes + " (t int not null, fp bigint not null)");
                st.execute("truncate " + probes);
            }
            // the batches' probes were taken while they were staged; a table that held a row larger than a batch (staged
            // from parts, never whole in this service) is scanned here, in SQL, instead
            java.util.Set<String> inSql = new java.util.HashSet<>();
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select source_table from "
                    + area.schema() + "._tables where audit_in_sql")) {
                while (rs.next()) {
                    inSql.add(rs.getString(1));
                }
            }
            long scanned = 0;
            boolean auto = c.getAutoCommit();
            try (Connection w = second.open()) {
                for (int i = 0; i < targets.size(); i++) {
                    if (inSql.contains(targets.get(i).sourceTable())) {
                        scanned += probe(c, w, area, targets.get(i), i, key, probes);
                    }
                }
            } finally {
                c.setAutoCommit(auto);
            }
            java.util.Map<String, Long> found = new java.util.TreeMap<>();
            try (PreparedStatement ps = c.prepareStatement("select p.t, count(distinct p.fp) from " + probes + " p join "
                    + area.schema() + "._leak_fp f on f.fp = p.fp group by p.t order by p.t");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Target t = targets.get(rs.getInt(1));
                    found.put(t.sourceTable() + "." + t.column(), rs.getLong(2));
                }
            }
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select source_table, col, scanned from "
                    + area.schema() + "._leak_cols")) {
                while (rs.next()) {
                    if (!inSql.contains(rs.getString(1))) {
                        scanned += rs.getLong(3);
                    }
                }
            }
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select l.source_table, l.col,"
                    + " count(distinct s.fp) from " + area.schema() + "._leak_seen s join " + area.schema() + "._leak_fp f"
                    + " on f.fp = s.fp join " + area.schema() + "._leak_cols l on l.k = s.k group by 1, 2")) {
                while (rs.next()) {
                    if (!inSql.contains(rs.getString(1))) {
                        found.merge(rs.getString(1) + "." + rs.getString(2), rs.getLong(3), Long::sum);
                    }
                }
            }
            List<String> hits = new ArrayList<>();
            found.forEach((column, n) -> hits.add(column + ": " + n + " distinct value" + (n == 1 ? "" : "s")));
            try (Statement st = c.createStatement()) {
                st.execute("truncate " + probes);
            }
            return new LeakAudit(fingerprints, targets.size(), scanned, List.copyOf(hits));
        } finally {
            try (PreparedStatement unlock = c.prepareStatement("select pg_advisory_unlock(hashtext(?))")) {
                unlock.setString(1, probes);
                unlock.execute();
            }
        }
    }

    /** Streams one column's distinct normalised candidates by COPY, fingerprints them here, and copies the probes in; returns values scanned. */
    private static long probe(Connection c, Connection w, StagingArea area, Target t, int index, byte[] key, String probes)
            throws SQLException {
        String col = TargetCatalog.quote(t.column());
        String from = area.schema() + "." + t.stageTable();
        // qualified names and restage_ prefixed aliases: a staged column may be called v, w, e or j
        String values = switch (t.shape()) {
            case TEXT -> "select s." + col + "::text as v from " + from + " s where s." + col + " is not null";
            case JSON -> "select restage_leaf.node #>> '{}' as v from " + from + " s, jsonb_path_query(s." + col
                    + "::jsonb, 'strict $.**') as restage_leaf(node) where jsonb_typeof(restage_leaf.node) = 'string'";
            case TEXT_ARRAY -> "select restage_elem.item::text as v from " + from + " s, unnest(s." + col
                    + ") as restage_elem(item) where restage_elem.item is not null";
        };
        long scanned;
        try (PreparedStatement ps = c.prepareStatement("select count(*) from (" + values + ") vals");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            scanned = rs.getLong(1);
        }
        String sql = "with vals as (" + values + "),"
                // distinct: a status column of four values or a word in every note is hashed once, not per row
                + " words as (select distinct w from (select v as w from vals"
                + "   union all select rtrim(x.w, '.!?') from vals, regexp_split_to_table(vals.v, " + WORD_SPLIT + ") as x(w)"
                // a word can only match a one-word audited value: an email, a number, a token (they hold @ or a
                // digit); names and addresses have several words and are matched as whole values
                + "   where vals.v ~ " + WORD_SPLIT.replace("]+'", "]'") + " and length(x.w) >= " + LeakFingerprints.MIN_LENGTH
                + "   and x.w ~ '[0-9@]') all_words),"
                // normalised once per candidate (materialized), and only those the anonymizer could have fingerprinted: a
                // longer value cannot match, and what streams to the service stays bounded
                + " normalized as materialized (select " + LeakFingerprints.sqlNormalized("words.w") + " as n from words"
                + "   where length(" + LeakFingerprints.sqlTrimmed("words.w") + ") between " + LeakFingerprints.MIN_LENGTH
                + "   and " + LeakFingerprints.MAX_LENGTH + ")"
                // C collation: the distinct compares bytes, not the locale's sort keys
                + " select distinct n collate \"C\" from normalized";
        c.setAutoCommit(false);
        CopyIn copy = w.unwrap(PGConnection.class).getCopyAPI().copyIn("copy " + probes + " (t, fp) from stdin");
        org.postgresql.copy.CopyOut candidates = null;
        try {
            ProbeRows rows = new ProbeRows(copy);
            // streamed by COPY, one candidate at a time (at most MAX_LENGTH characters), whatever the column's size
            candidates = c.unwrap(PGConnection.class).getCopyAPI().copyOut("copy (" + sql + ") to stdout");
            for (byte[] line = candidates.readFromCopy(); line != null; line = candidates.readFromCopy()) {
                int end = line.length > 0 && line[line.length - 1] == '\n' ? line.length - 1 : line.length;
                String word = io.restage.common.batch.CopyText.decode(line, 0, end);
                if (word != null && LeakFingerprints.auditable(word)) {
                    rows.add(index, LeakFingerprints.of(key, word));
                }
            }
            rows.end();
        } catch (SQLException | RuntimeException e) {
            if (candidates != null && candidates.isActive()) {
                candidates.cancelCopy();
            }
            if (copy.isActive()) {
                copy.cancelCopy();
            }
            throw e;
        } finally {
            c.commit();
        }
        return scanned;
    }

    /** The staged columns to scan: text-like, JSON and text arrays, unless a transformer wrote them or was skipped. */
    private static List<Target> targets(Connection c, StagingArea area, List<StagingArea.StagedTable> staged,
                                        PolicyConfig policy, List<String> skip) throws SQLException {
        List<Target> out = new ArrayList<>();
        for (StagingArea.StagedTable st : staged) {
            if (st.stageTable() == null) {
                continue;
            }
            shapes(c, area.schema(), st.stageTable(), null).forEach((column, shape) -> {
                if (scans(policy, st.sourceTable(), column, skip)) {
                    out.add(new Target(st.sourceTable(), st.stageTable(), column, shape));
                }
            });
        }
        return out;
    }

    /** Whether the audit scans a staged column: not when a transformer wrote it (unless its fakes could be real) or was skipped. */
    static boolean scans(PolicyConfig policy, String sourceTable, String column, List<String> skip) {
        RuleConfig rule = policy.rulesFor(sourceTable).stream().filter(r -> r.column().equals(column)).findFirst().orElse(null);
        boolean skipped = rule != null && (skip.contains(rule.id()) || skip.contains(rule.transformer()));
        // columns a transformer wrote are scanned only where a fake could be a real person's contact
        boolean generated = rule != null && !rule.transformer().equals("keep") && !rule.transformer().equals("json")
                && !TransformerCatalog.scannedWhenWritten(rule);
        return !skipped && !generated;
    }

    private static final java.util.Map<String, java.util.Map<String, Shape>> SHAPES = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * The scannable columns of a stage table and how each is read (in column order). With a {@code cacheKey} (the
     * table and its export snapshot: a new snapshot re-creates the stage table, perhaps with other columns) it is
     * read once per key and process.
     */
    static java.util.Map<String, Shape> shapes(Connection c, String schema, String stageTable, String cacheKey)
            throws SQLException {
        java.util.Map<String, Shape> known = cacheKey == null ? null : SHAPES.get(cacheKey);
        if (known != null) {
            return known;
        }
        String sql = """
                select a.attname,
                       case when t.typname in ('json', 'jsonb') or bt.typname in ('json', 'jsonb') then 'JSON'
                            when coalesce(bt.typcategory, t.typcategory) = 'S' then 'TEXT'
                            when t.typcategory = 'A' and et.typcategory = 'S' then 'TEXT_ARRAY' end
                from pg_attribute a
                join pg_type t on t.oid = a.atttypid
                left join pg_type bt on t.typtype = 'd' and bt.oid = t.typbasetype
                left join pg_type et on et.oid = t.typelem and t.typcategory = 'A'
                where a.attrelid = (quote_ident(?) || '.' || quote_ident(?))::regclass and a.attnum > 0 and not a.attisdropped
                order by a.attnum
                """;
        java.util.Map<String, Shape> out = new java.util.LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, schema);
            ps.setString(2, stageTable);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (rs.getString(2) != null) {
                        out.put(rs.getString(1), Shape.valueOf(rs.getString(2)));
                    }
                }
            }
        }
        if (cacheKey != null) {
            if (SHAPES.size() > 10_000) {
                SHAPES.clear(); // areas dropped by another instance are never forgotten here: a bound, not a leak
            }
            SHAPES.put(cacheKey, out);
        }
        return out;
    }

    /** Forgets the shapes of an area's stage tables (the area was dropped). */
    static void forget(String schema) {
        SHAPES.keySet().removeIf(k -> k.startsWith(schema + "."));
    }

    /**
     * Fingerprints probe work apart from the database: a batch's probes are computed here while its rows are copied
     * into the target, so the service's CPU and the target's overlap instead of taking turns. Bounded: at most this many
     * batches are probed at once (the consumers wait for their own probes, so no queue builds up).
     */
    private static final java.util.concurrent.ExecutorService PROBING = java.util.concurrent.Executors.newFixedThreadPool(
            Math.max(2, Runtime.getRuntime().availableProcessors()), r -> {
                Thread t = new Thread(r, "restage-leak-probes");
                t.setDaemon(true);
                return t;
            });

    /** The probes of one batch, being computed ({@link #startProbes}); written by {@link #record}. */
    static final class PendingProbes {
        private final java.util.concurrent.Future<List<LeakProbes.ColumnProbes>> probes;

        private PendingProbes(java.util.concurrent.Future<List<LeakProbes.ColumnProbes>> probes) {
            this.probes = probes;
        }

        List<LeakProbes.ColumnProbes> await() {
            try {
                return probes.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the leak probes of a batch were computed", e);
            } catch (java.util.concurrent.ExecutionException e) {
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                throw new IllegalStateException(e.getCause());
            }
        }

        /** The batch was not staged: its probes are not needed. */
        void cancel() {
            probes.cancel(true);
        }
    }

    /**
     * Starts taking the probes of one batch on a worker: the scanned columns' values are fingerprinted there
     * ({@link LeakProbes}). Null when the batch has no scanned column.
     */
    static PendingProbes startProbes(Connection c, String schema, String sourceTable, String stageTable, int attempt,
                                     List<io.restage.common.batch.Column> columns, byte[] payload, PolicyConfig policy,
                                     List<String> skip, byte[] key) throws SQLException {
        java.util.Map<String, Shape> shapes = shapes(c, schema, stageTable, schema + "." + stageTable + "#" + attempt);
        List<LeakProbes.Scanned> scanned = new ArrayList<>();
        for (int i = 0; i < columns.size(); i++) {
            String name = columns.get(i).name();
            Shape shape = shapes.get(name);
            if (shape != null && scans(policy, sourceTable, name, skip)) {
                scanned.add(new LeakProbes.Scanned(i, name, LeakProbes.Shape.valueOf(shape.name())));
            }
        }
        if (scanned.isEmpty()) {
            return null;
        }
        return new PendingProbes(PROBING.submit(() -> LeakProbes.probe(payload, columns.size(), scanned, key)));
    }

    /**
     * Writes the probes of one staged batch in the caller's transaction (so a rolled-back batch leaves none): copied
     * into {@code _leak_seen}, with how many values each column had. The audit before the pivot then only joins them
     * against the fingerprints.
     */
    static void record(Connection c, String schema, String sourceTable, PendingProbes pending) throws SQLException {
        if (pending == null) {
            return;
        }
        List<LeakProbes.ColumnProbes> probes = pending.await();
        // each scanned column gets a small number: its probes are stored as (k, fingerprint), the registry names it
        int[] ks = new int[probes.size()];
        try (PreparedStatement reg = c.prepareStatement("insert into " + schema + "._leak_cols as l (k, source_table, col, scanned)"
                + " values (?, ?, ?, ?) on conflict (k) do update set scanned = l.scanned + excluded.scanned"
                + " returning source_table, col")) {
            for (int i = 0; i < probes.size(); i++) {
                ks[i] = (sourceTable + "\0" + probes.get(i).column()).hashCode();
                reg.setInt(1, ks[i]);
                reg.setString(2, sourceTable);
                reg.setString(3, probes.get(i).column());
                reg.setLong(4, probes.get(i).values());
                try (ResultSet rs = reg.executeQuery()) {
                    rs.next();
                    if (!rs.getString(1).equals(sourceTable) || !rs.getString(2).equals(probes.get(i).column())) {
                        throw new IllegalStateException("leak audit: two columns share a probe key (" + sourceTable + "."
                                + probes.get(i).column() + " and " + rs.getString(1) + "." + rs.getString(2) + ")");
                    }
                }
            }
        }
        CopyIn copy = c.unwrap(PGConnection.class).getCopyAPI().copyIn("copy " + schema + "._leak_seen (k, fp) from stdin");
        try {
            ProbeRows rows = new ProbeRows(copy);
            for (int i = 0; i < probes.size(); i++) {
                for (long fp : probes.get(i).fingerprints()) {
                    rows.add(ks[i], fp);
                }
            }
            rows.end();
        } catch (SQLException | RuntimeException e) {
            if (copy.isActive()) {
                copy.cancelCopy();
            }
            throw e;
        }
    }

    /** Probe rows {@code (k, fingerprint)} in COPY text (the fingerprint as a bigint), written to a COPY in 60 KB pieces. */
    private static final class ProbeRows {
        private final CopyIn copy;
        private final StringBuilder buf = new StringBuilder(1 << 16);

        ProbeRows(CopyIn copy) {
            this.copy = copy;
        }

        void add(int k, long fingerprint) throws SQLException {
            buf.append(k).append('\t').append(fingerprint).append('\n');
            if (buf.length() > 60_000) {
                flush();
            }
        }

        void end() throws SQLException {
            flush();
            copy.endCopy();
        }

        private void flush() throws SQLException {
            byte[] b = buf.toString().getBytes(StandardCharsets.US_ASCII);
            copy.writeToCopy(b, 0, b.length);
            buf.setLength(0);
        }
    }

    private LeakAuditor() {
    }
}
