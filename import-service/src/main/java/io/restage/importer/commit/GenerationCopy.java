package io.restage.importer.commit;

import io.restage.importer.staging.TargetCatalog;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Copies the tables a commit is about to replace into its undo generation on several connections at once. A commit
 * is one transaction, so one backend; copying a full target aside on that backend alone doubled the commit's serial
 * work (a nightly refresh replaces a target as big as itself).
 * <p>
 * Why the copies on other connections are exactly what the commit replaces: before any copy starts, the commit's
 * transaction holds an {@code EXCLUSIVE} lock on every table it replaces ({@link Generations#keep}). No other session
 * can write them from then until the commit ends, and every writer that held them has finished; plain reads go on.
 * A copy on another connection starts after that, so its snapshot sees every committed row and nothing can change
 * under it before the commit empties the table. The commit's own connection copies too, inside its transaction.
 * <p>
 * The tables the other connections create are committed before the commit is: they live in the generation's schema,
 * created committed and marked {@link #UNFINISHED} beforehand. Only the commit's transaction lists them and marks the
 * generation kept, so a commit that rolls back leaves an unfinished schema that no undo can use; it is dropped right
 * after the rollback, or at the target's next commit ({@link Generations#prune}).
 * <p>
 * Tables go largest first (their size on disk) to whichever connection is free, so the longest copy starts first.
 */
public final class GenerationCopy {
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(GenerationCopy.class);
    /** The comment of a generation schema whose tables are being copied: not a generation until its commit says so. */
    static final String UNFINISHED = "restage: undo generation being copied for target ";

    /** One table copied aside: its generation table and row count. */
    record Copied(String table, String gen, String columns, long rows) {
    }

    private final CommitConnections connections;

    GenerationCopy(CommitConnections connections) {
        this.connections = connections;
    }

    /** Whether this copy of {@code tables} uses other connections (so its schema must be created committed first). */
    boolean parallel(List<String> tables) {
        return connections.helpers() && tables.size() > 1;
    }

    /**
     * The generation's schema, created and committed on another connection, marked unfinished (an earlier attempt's
     * schema of the same refresh is dropped first: it was never kept, or the commit would have found its audit row).
     * False, and nothing done, when no other connection can be opened: then the commit copies alone.
     */
    boolean createSchema(String schema, String target) throws SQLException {
        Connection o;
        try {
            o = connections.open();
        } catch (SQLException e) {
            // no connection to spare on the target (max_connections, a pooler's limit): the commit copies alone
            LOG.warnf("no helper connection for copying the undo generation (%s): the commit copies it alone", e.getSQLState());
            return false;
        }
        try (o; Statement st = o.createStatement()) {
            st.execute("drop schema if exists " + schema + " cascade");
            st.execute("create schema " + schema);
            st.execute("comment on schema " + schema + " is " + TargetCatalog.literal(UNFINISHED + target));
        }
        return true;
    }

    /**
     * Copies each of {@code tables} ({@code columns.get(i)}: its column list, empty for a table with none) into
     * {@code schema}.g<i>, on {@code c} (inside its transaction) and, with {@code helpers} (the schema was created
     * committed, {@link #createSchema}), on more connections; a helper that cannot connect leaves its share to the others.
     * Returns them in the order given. Any failure stops the other copies and is thrown.
     */
    List<Copied> copy(Connection c, String schema, List<String> tables, List<String> columns, boolean helpers) throws SQLException {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < tables.size(); i++) {
            order.add(i);
        }
        Copied[] done = new Copied[tables.size()];
        if (!helpers) {
            for (int i : order) {
                done[i] = copyOne(c, schema, i, tables.get(i), columns.get(i));
            }
            return List.of(done);
        }
        long[] size = sizes(c, tables);
        order.sort(Comparator.<Integer>comparingLong(i -> size[i]).reversed());
        AtomicInteger next = new AtomicInteger();
        AtomicReference<Exception> failed = new AtomicReference<>();
        List<Statement> running = java.util.Collections.synchronizedList(new ArrayList<>());
        int extra = Math.min(connections.count(), tables.size()) - 1;
        ExecutorService pool = Executors.newFixedThreadPool(extra, r -> {
            Thread t = new Thread(r, "restage-generation-copy");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> others = new ArrayList<>();
            for (int w = 0; w < extra; w++) {
                others.add(pool.submit(() -> {
                    Connection opened;
                    try {
                        opened = connections.open();
                    } catch (SQLException e) {
                        LOG.warnf("a helper could not connect to copy the undo generation (%s): the others copy its share",
                                e.getSQLState());
                        return null;
                    }
                    try (Connection o = opened) {
                        work(o, schema, tables, columns, order, next, failed, done, running);
                    } catch (SQLException | RuntimeException e) {
                        failed.compareAndSet(null, e);
                    }
                    return null;
                }));
            }
            try {
                work(c, schema, tables, columns, order, next, failed, done, running);
            } catch (SQLException | RuntimeException e) {
                failed.compareAndSet(null, e);
            }
            if (failed.get() != null) {
                synchronized (running) {
                    for (Statement st : running) {
                        try {
                            st.cancel(); // the other copies are of no use now
                        } catch (SQLException ignored) {
                            // already finished
                        }
                    }
                }
            }
            for (Future<?> f : others) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    failed.compareAndSet(null, e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    failed.compareAndSet(null, e);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        Exception e = failed.get();
        if (e instanceof SQLException s) {
            throw s;
        }
        if (e instanceof RuntimeException r) {
            throw r;
        }
        if (e != null) {
            throw new IllegalStateException("copying the undo generation was interrupted", e);
        }
        return List.of(done);
    }

    /** Takes the next table, largest first, until none is left or a copy failed. */
    private static void work(Connection c, String schema, List<String> tables, List<String> columns, List<Integer> order,
                             AtomicInteger next, AtomicReference<Exception> failed, Copied[] done, List<Statement> running)
            throws SQLException {
        int k;
        while (failed.get() == null && (k = next.getAndIncrement()) < order.size()) {
            int i = order.get(k);
            try (Statement st = c.createStatement()) {
                running.add(st);
                try {
                    done[i] = copyOne(st, schema, i, tables.get(i), columns.get(i));
                } finally {
                    running.remove(st);
                }
            }
        }
    }

    private static Copied copyOne(Connection c, String schema, int i, String table, String columns) throws SQLException {
        try (Statement st = c.createStatement()) {
            return copyOne(st, schema, i, table, columns);
        }
    }

    private static Copied copyOne(Statement st, String schema, int i, String table, String columns) throws SQLException {
        String gen = "g" + i;
        // unlogged: no WAL inside the commit (made crash-safe after it, Generations#makeDurable); read back only by an
        // undo, whole: no autovacuum work on it (anti-wraparound vacuums still run)
        long rows = st.executeUpdate("create unlogged table " + schema + "." + gen + " with (autovacuum_enabled = false) as select "
                + columns + " from only " + TargetCatalog.sqlName(table));
        return new Copied(table, gen, columns, rows);
    }

    /** Each table's size on disk (its heap and TOAST), the order's key. */
    private static long[] sizes(Connection c, List<String> tables) throws SQLException {
        long[] out = new long[tables.size()];
        try (PreparedStatement ps = c.prepareStatement("select pg_table_size(?::regclass)")) {
            for (int i = 0; i < tables.size(); i++) {
                ps.setString(1, TargetCatalog.sqlName(tables.get(i)));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    out[i] = rs.getLong(1);
                }
            }
        }
        return out;
    }
}
