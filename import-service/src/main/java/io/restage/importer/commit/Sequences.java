package io.restage.importer.commit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

/**
 * Sequence positions set inside the caller's transaction. {@code setval} is not transactional in PostgreSQL: a commit
 * or undo that rolled back after it would leave the sequence moved. {@code ALTER SEQUENCE ... RESTART WITH} is, so a
 * rollback leaves every sequence exactly where it was. (It also holds the sequence until the transaction ends, which
 * the commit's lock on its tables already does.)
 */
final class Sequences {

    /** Each sequence restarts just past the largest value of the columns that draw from it (never below its minimum). */
    static void restartPastMax(Connection c, Map<String, List<String>> maxima) throws SQLException {
        for (Map.Entry<String, List<String>> e : maxima.entrySet()) {
            String max = e.getValue().size() == 1 ? e.getValue().get(0) : "greatest(" + String.join(", ", e.getValue()) + ")";
            long next;
            try (PreparedStatement ps = c.prepareStatement("select greatest(coalesce(" + max + ", 0) + 1, s.seqmin)"
                    + " from pg_sequence s where s.seqrelid = ?::regclass")) {
                ps.setString(1, e.getKey());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    next = rs.getLong(1);
                }
            }
            restart(c, e.getKey(), next);
        }
    }

    /**
     * Puts back positions recorded as {@code (name, last_value, is_called)} rows of {@code table}: the next value is the
     * recorded one if it was never handed out, else one increment past it.
     */
    static void restore(Connection c, String table) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select p.name, case when p.is_called"
                + " then p.last_value + s.seqincrement else p.last_value end from " + table + " p"
                + " join pg_sequence s on s.seqrelid = p.name::regclass")) {
            java.util.List<Object[]> rows = new java.util.ArrayList<>();
            while (rs.next()) {
                rows.add(new Object[] {rs.getString(1), rs.getLong(2)});
            }
            for (Object[] r : rows) {
                restart(c, (String) r[0], (Long) r[1]);
            }
        }
    }

    /** {@code name} is a regclass text (already quoted where it needs to be). */
    static void restart(Connection c, String name, long next) throws SQLException {
        String quoted;
        try (PreparedStatement ps = c.prepareStatement("select ?::regclass::text")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                quoted = rs.getString(1);
            }
        }
        try (Statement st = c.createStatement()) {
            st.execute("alter sequence " + quoted + " restart with " + next);
        }
    }

    private Sequences() {
    }
}
