package io.restage.importer.commit;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/**
 * The connections a commit may use on its target: its own (the one transaction everything new becomes visible in)
 * and {@code count - 1} helpers. A commit is one transaction, so one backend; the helpers put the target's other
 * cores to work on what does not need to be inside that transaction: copying the undo generation aside
 * ({@link GenerationCopy}). With {@code count} 1 the commit does all of it alone, the generation copied inside its
 * transaction.
 * <p>
 * Measured and not kept: streaming the staged rows into the live tables by binary COPY from a helper (read out on
 * one backend while the commit's wrote them). {@code INSERT ... SELECT} moves the stored values as they are; COPY
 * sends and parses every value again (a jsonb is printed and parsed), and the target spent 9 more CPU seconds on the
 * benchmark's refresh, its load 9.9 to 16.2 s against 6.5 to 11.6 s.
 */
public record CommitConnections(Connector connector, int count, Duration lockTimeout) {
    public static final int DEFAULT_COUNT = 2;

    /** Opens one more connection to the target (autocommit on). */
    public interface Connector {
        Connection open() throws SQLException;
    }

    public CommitConnections {
        checked(count);
    }

    /** {@code count} if it is a valid setting; otherwise why not and how to fix it (the service does not start). */
    public static int checked(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("restage.import.commit-connections is " + count + ": it must be 1 or more (1: the"
                    + " commit works on its own connection only; the default is " + DEFAULT_COUNT + ")");
        }
        return count;
    }

    /** The commit's own connection only. */
    static CommitConnections alone() {
        return new CommitConnections(() -> {
            throw new IllegalStateException("the commit has no other connection");
        }, 1, Duration.ofSeconds(2));
    }

    boolean helpers() {
        return count > 1;
    }

    /** A helper connection, waiting at most the commit's lock timeout for any lock. */
    Connection open() throws SQLException {
        Connection c = connector.open();
        try (Statement st = c.createStatement()) {
            st.execute("set lock_timeout = " + Math.max(1, lockTimeout.toMillis()));
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        return c;
    }
}
