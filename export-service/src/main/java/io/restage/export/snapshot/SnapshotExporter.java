package io.restage.export.snapshot;

import io.restage.common.batch.Column;
import io.restage.common.messages.TableCount;
import io.restage.export.batching.BatchSender;
import io.restage.export.batching.TableBatcher;
import io.restage.export.batching.TableProgress;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyOut;

/**
 * Exports every table of the source as of one instant. A leader connection opens a read-only REPEATABLE READ
 * transaction and exports its snapshot ({@code pg_export_snapshot()}); each worker connection adopts that snapshot
 * with {@code SET TRANSACTION SNAPSHOT}, so tables read in parallel still all show the same instant. The leader
 * stays open until every worker is done, which keeps the snapshot valid.
 */
public final class SnapshotExporter {
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(SnapshotExporter.class);

    /** Opens a new connection to the source. */
    public interface ConnectionFactory {
        Connection open() throws SQLException;
    }

    /** Checks the source inside the snapshot before anything is read; throws to stop the export. */
    public interface Validator {
        void validate(Connection snapshot) throws Exception;
    }

    /** Told when the table list is known, before any batch is sent. */
    public interface Listener {
        /** {@code estimates}: the source's row estimate per table, where its statistics have one. */
        void started(List<String> tables, java.util.Map<String, Long> estimates);
    }

    /** For a subset: the source's maxima of sequence-fed columns, read in the snapshot (empty otherwise). */
    private volatile java.util.Map<String, Long> sourceMaxima = java.util.Map.of();

    public java.util.Map<String, Long> sourceMaxima() {
        return sourceMaxima;
    }

    /** Rows sent so far per table, while an export runs (for heartbeats). */
    private volatile java.util.Map<String, TableProgress> running = java.util.Map.of();

    public java.util.Map<String, Long> rowsSoFar() {
        java.util.Map<String, Long> out = new java.util.HashMap<>();
        running.forEach((t, p) -> out.put(t, p.rows()));
        return out;
    }

    public static final class CancelledException extends RuntimeException {
        public CancelledException(String refreshId) {
            super("export of refresh " + refreshId + " was cancelled");
        }
    }

    private final ConnectionFactory connections;
    private final int parallelism;
    private final int batchBytes;
    private final int batchRows;
    private final long splitPages;

    public SnapshotExporter(ConnectionFactory connections, int parallelism, int batchBytes, int batchRows, long splitBytes) {
        this.connections = connections;
        this.parallelism = Math.max(1, parallelism);
        this.batchBytes = batchBytes;
        this.batchRows = batchRows;
        this.splitPages = Math.max(1, splitBytes / 8192);
    }

    /** One unit of work: a whole table, or the pages {@code [fromPage, toPage)} of one (toPage -1: to the end). */
    record Chunk(SourceTable table, int index, long fromPage, long toPage, TableProgress progress, Filter filter) {
        Chunk(SourceTable table, int index, long fromPage, long toPage, TableProgress progress) {
            this(table, index, fromPage, toPage, progress, null);
        }

        String where() {
            if (filter != null) {
                try {
                    return filter.where();
                } catch (SQLException e) {
                    throw new IllegalStateException("reading the subset's rows of " + table.qualified() + " from the session"
                            + " that holds them failed: " + io.restage.common.Failures.describe(e), e);
                }
            }
            if (index < 0) {
                return "";
            }
            String from = "ctid >= '(" + fromPage + ",0)'::tid";
            return toPage < 0 ? " where " + from : " where " + from + " and ctid < '(" + toPage + ",0)'::tid";
        }
    }

    /** A chunk's filter computed when a worker takes it (a subset's range of rows, read from the closure session). */
    interface Filter {
        String where() throws SQLException;
    }

    /** Row identities per chunk of a subset table: a range's ctid list is inlined in its COPY (about 12 bytes a row). */
    static final int SUBSET_RANGE_ROWS = 50_000;

    /**
     * A subset's tables as chunks the workers read in parallel: one per range of {@link #SUBSET_RANGE_ROWS} chosen rows,
     * each filter fetched from the closure session when a worker takes it; a table the subset leaves empty is one chunk
     * that reads nothing.
     */
    static List<Chunk> subsetChunks(List<SourceTable> tables, io.restage.common.subset.SubsetClosure closure) throws SQLException {
        List<Chunk> out = new ArrayList<>();
        for (SourceTable t : tables) {
            String filter = closure.filterFor(t.qualified());
            List<String> starts = " where false".equals(filter) ? List.of() : closure.rangeStarts(t.qualified(), SUBSET_RANGE_ROWS);
            if (starts.isEmpty()) {
                out.add(new Chunk(t, -1, 0, -1, new TableProgress(1), () -> " where false"));
                continue;
            }
            TableProgress progress = new TableProgress(starts.size());
            for (int i = 0; i < starts.size(); i++) {
                String from = starts.get(i);
                String to = i + 1 < starts.size() ? starts.get(i + 1) : null;
                // one range is read whole (index -1 keeps the table's batches unsplit) only when it is the only one
                out.add(new Chunk(t, starts.size() == 1 ? -1 : i, 0, -1, progress, () -> closure.rangeFilter(t.qualified(), from, to)));
            }
        }
        return out;
    }

    /** Big tables become 2 x parallelism page ranges (the last open-ended, so rows on pages added since count too). */
    List<Chunk> chunks(List<SourceTable> tables) {
        List<Chunk> out = new ArrayList<>();
        int n = parallelism * 2;
        for (SourceTable t : tables) {
            if (parallelism < 2 || t.pages() < splitPages) {
                out.add(new Chunk(t, -1, 0, -1, new TableProgress(1)));
                continue;
            }
            TableProgress progress = new TableProgress(n);
            long step = (t.pages() + n - 1) / n;
            for (int i = 0; i < n; i++) {
                out.add(new Chunk(t, i, i * step, i == n - 1 ? -1 : (i + 1) * step, progress));
            }
        }
        // largest pieces first, so the run does not end waiting on one big table
        out.sort(java.util.Comparator.comparingLong((Chunk c) -> c.index() < 0 ? c.table().pages() : c.table().pages() / n).reversed());
        return out;
    }

    /** Names the refresh a batch belongs to: id, source and target environments, anonymizers skipped. */
    public record Route(String refreshId, String source, String target, List<String> skipAnonymizers, String policy, int attempt) {
        public Route(String refreshId, String source, String target, List<String> skipAnonymizers, String policy) {
            this(refreshId, source, target, skipAnonymizers, policy, 1);
        }
    }

    /** A subset to export instead of whole tables, and the secret that keys its samples. */
    public record Subset(io.restage.common.config.SubsetConfig config, String secret) {
    }

    public List<TableCount> export(Route route, Predicate<String> excluded, Validator validator, BatchSender sender,
                                   Listener listener, BooleanSupplier cancelled) throws Exception {
        return export(route, excluded, validator, sender, listener, cancelled, null);
    }

    /**
     * With a {@code subset}: after the check, a session that adopts the same snapshot computes the subset in the source
     * ({@link io.restage.common.subset.SubsetClosure}); its tables are then read by the workers in parallel like any other,
     * as ranges of chosen rows whose ctids the closure session hands out one range at a time.
     */
    public List<TableCount> export(Route route, Predicate<String> excluded, Validator validator, BatchSender sender,
                                   Listener listener, BooleanSupplier cancelled, Subset subset) throws Exception {
        String refreshId = route.refreshId();
        try (Connection leader = connections.open()) {
            leader.setAutoCommit(false);
            String snapshot;
            try (Statement st = leader.createStatement()) {
                st.execute("set transaction isolation level repeatable read, read only");
                try (ResultSet rs = st.executeQuery("select pg_export_snapshot()")) {
                    rs.next();
                    snapshot = rs.getString(1);
                }
            }
            // the policy is checked against exactly the schema this snapshot exports: no drift in between
            validator.validate(leader);
            List<SourceTable> tables = Catalog.tables(leader).stream()
                    .filter(t -> !excluded.test(t.qualified()))
                    .collect(Collectors.toCollection(ArrayList::new));
            java.util.Map<String, Long> estimates = new java.util.LinkedHashMap<>();
            tables.stream().filter(t -> t.estimate() >= 0).forEach(t -> estimates.put(t.qualified(), t.estimate()));
            listener.started(tables.stream().map(SourceTable::qualified).toList(), estimates);
            Connection closureSession = null;
            io.restage.common.subset.SubsetClosure closure = null;
            List<SourceTable> subsetTables = new ArrayList<>();
            if (subset != null) {
                closureSession = connections.open();
                closureSession.setAutoCommit(false);
                try (Statement st = closureSession.createStatement()) {
                    // read-write only for its temporary table: the source role cannot write a source table
                    st.execute("set transaction isolation level repeatable read");
                    st.execute("set transaction snapshot '" + snapshot.replace("'", "") + "'");
                }
                long t0 = System.nanoTime();
                try {
                    closure = io.restage.common.subset.SubsetClosure.compute(closureSession, subset.config(), subset.secret(), excluded);
                    sourceMaxima = closure.sourceMaxima();
                } catch (SQLException | RuntimeException e) {
                    closureSession.close();
                    throw e;
                }
                LOG.infof("refresh %s: subset '%s' computed in the source in %d ms (%d passes): %d rows in %d tables", refreshId,
                        subset.config().name(), (System.nanoTime() - t0) / 1_000_000, closure.passes(),
                        closure.counts().values().stream().mapToLong(Long::longValue).sum(), closure.counts().size());
                for (SourceTable t : tables) {
                    if (closure.filterFor(t.qualified()) != null) {
                        subsetTables.add(t);
                    }
                }
                tables.removeAll(subsetTables);
            }
            List<Chunk> plan = chunks(tables);
            if (closure != null) {
                plan.addAll(subsetChunks(subsetTables, closure));
            }
            java.util.Map<String, TableProgress> progress = new java.util.HashMap<>();
            plan.forEach(c -> progress.putIfAbsent(c.table().qualified(), c.progress()));
            running = progress;
            plan.stream().filter(c -> c.index() == 0 && c.filter() == null).forEach(c -> LOG.infof("refresh %s: %s (%d pages) is read as %d page ranges in parallel",
                    refreshId, c.table().qualified(), c.table().pages(), parallelism * 2));
            ConcurrentLinkedQueue<Chunk> queue = new ConcurrentLinkedQueue<>(plan);
            List<TableCount> counts = Collections.synchronizedList(new ArrayList<>());
            int workers = Math.min(parallelism, Math.max(1, queue.size()));
            ExecutorService pool = Executors.newFixedThreadPool(workers, r -> {
                Thread t = new Thread(() -> {
                    org.jboss.logging.MDC.put("refreshId", refreshId); // every line of a worker names its refresh
                    r.run();
                }, "export-" + refreshId.substring(0, Math.min(8, refreshId.length())));
                t.setDaemon(true);
                return t;
            });
            try {
                List<Future<Void>> futures = new ArrayList<>();
                for (int i = 0; i < workers; i++) {
                    futures.add(pool.submit(() -> {
                        worker(route, snapshot, queue, sender, counts, cancelled);
                        return null;
                    }));
                }
                for (Future<Void> f : futures) {
                    try {
                        f.get();
                    } catch (ExecutionException e) {
                        queue.clear();
                        throw e.getCause() instanceof Exception ex ? ex : e;
                    }
                }
            } finally {
                pool.shutdownNow();
                if (closureSession != null) {
                    try {
                        closureSession.rollback(); // the temporary table goes with the transaction's end and the session
                    } finally {
                        closureSession.close();
                    }
                }
            }
            sender.flush();
            leader.rollback();
            List<TableCount> sorted = new ArrayList<>(counts);
            sorted.sort((a, b) -> a.table().compareTo(b.table()));
            return sorted;
        }
    }

    private void worker(Route route, String snapshot, ConcurrentLinkedQueue<Chunk> queue, BatchSender sender,
                        List<TableCount> counts, BooleanSupplier cancelled) throws SQLException {
        String refreshId = route.refreshId();
        try (Connection c = connections.open()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("set transaction isolation level repeatable read, read only");
                st.execute("set transaction snapshot '" + snapshot.replace("'", "") + "'");
            }
            CopyOutReader reader = new CopyOutReader(c.unwrap(PGConnection.class));
            Chunk chunk;
            while ((chunk = queue.poll()) != null) {
                if (cancelled.getAsBoolean()) {
                    throw new CancelledException(refreshId);
                }
                SourceTable t = chunk.table();
                TableBatcher batcher = new TableBatcher(refreshId, route.source(), route.target(), route.policy(), t.qualified(), t.columns(),
                        route.skipAnonymizers(), sender, batchBytes, batchRows, chunk.progress(), chunk.index(), route.attempt());
                reader.copy(copySql(t, chunk.where()), batcher::add, cancelled, refreshId);
                long rows = batcher.finish();
                if (rows >= 0) {
                    counts.add(new TableCount(t.qualified(), rows));
                }
            }
            c.rollback();
        }
    }

    static String copySql(SourceTable t, String where) {
        String cols = t.columns().stream().map(Column::name).map(SourceTable::quote).collect(Collectors.joining(", "));
        // ONLY: rows of inheritance children are exported with the child, not twice.
        return "copy (select " + cols + " from only " + t.sql() + where + ") to stdout";
    }

    /** Streams one COPY row at a time: the server sends one CopyData message per row. */
    static final class CopyOutReader {
        private final PGConnection pg;

        CopyOutReader(PGConnection pg) {
            this.pg = pg;
        }

        void copy(String sql, java.util.function.Consumer<byte[]> rows, BooleanSupplier cancelled, String refreshId)
                throws SQLException {
            CopyOut out = pg.getCopyAPI().copyOut(sql);
            try {
                byte[] row;
                long n = 0;
                while ((row = out.readFromCopy()) != null) {
                    rows.accept(row);
                    if ((++n & 0x3fff) == 0 && cancelled.getAsBoolean()) {
                        throw new CancelledException(refreshId);
                    }
                }
            } finally {
                if (out.isActive()) {
                    out.cancelCopy();
                }
            }
        }
    }
}
