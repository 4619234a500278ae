package io.restage.importer.staging;

import io.restage.common.config.Connections;
import io.restage.common.config.EnvironmentConfig;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * A few idle connections per target for staging batches, so a batch does not pay for a new connection (TCP,
 * authentication, backend start) each time. A connection goes back only in a clean state: its transaction rolled
 * back, autocommit on, no session setting changed by the staging path. One that fails its check ({@link
 * Connection#isValid}, after a server restart) is closed and replaced. Commit, undo and discard open their own.
 */
public final class TargetConnections {
    static final int MAX_IDLE = 4;
    private final Map<String, Deque<Connection>> idle = new ConcurrentHashMap<>();
    private final String applicationName;

    public TargetConnections(String applicationName) {
        this.applicationName = applicationName;
    }

    /** A connection to {@code env}'s database; closing the lease returns it (or closes it when it is broken). */
    public Lease borrow(EnvironmentConfig env) throws SQLException {
        Deque<Connection> q = idle.computeIfAbsent(env.name(), k -> new ConcurrentLinkedDeque<>());
        Connection c;
        while ((c = q.pollFirst()) != null) {
            if (c.isValid(5)) {
                return new Lease(c, q);
            }
            closeQuietly(c);
        }
        return new Lease(Connections.open(env, applicationName), q);
    }

    /** Closes every idle connection (shutdown, tests). */
    public void closeAll() {
        idle.values().forEach(q -> {
            Connection c;
            while ((c = q.pollFirst()) != null) {
                closeQuietly(c);
            }
        });
    }

    /** A borrowed connection. */
    public static final class Lease implements AutoCloseable {
        private final Connection connection;
        private final Deque<Connection> home;

        Lease(Connection connection, Deque<Connection> home) {
            this.connection = connection;
            this.home = home;
        }

        public Connection connection() {
            return connection;
        }

        @Override
        public void close() {
            try {
                if (connection.isClosed()) {
                    return;
                }
                if (!connection.getAutoCommit()) {
                    connection.rollback();
                    connection.setAutoCommit(true);
                }
                if (home.size() < MAX_IDLE) {
                    home.offerFirst(connection);
                    return;
                }
            } catch (SQLException e) {
                // broken (a COPY left half-way, a lost server): not reused
            }
            closeQuietly(connection);
        }
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // already gone
        }
    }
}
