package io.restage.media.plan;

import io.restage.common.config.MediaPolicy;
import io.restage.common.staging.StagingLayout;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;

/**
 * The object keys the refreshed rows reference, read from the target in {@link KeyOrder} (PostgreSQL sorts with
 * {@code COLLATE "C"}, spilling to disk, and a cursor streams the result): before the commit from the refresh's staged
 * rows (exactly what the commit will write, after exclusions, soft deletes and any subset), after it from the target's
 * live tables (for the prune). A key several columns reference is one key; it is a placeholder if any placeholder
 * column references it. Empty keys and nulls are no reference. A policy column the rows do not have (the table was
 * excluded, missing or skipped, or the column dropped) references nothing and is reported by {@link #unavailable()}.
 */
public final class ReferencedKeys implements Iterator<Referenced>, AutoCloseable {
    private final Connection c;
    private final Statement st;
    private final ResultSet rs;
    private final List<String> unavailable;
    private Referenced next;

    private ReferencedKeys(Connection c, Statement st, ResultSet rs, List<String> unavailable) throws SQLException {
        this.c = c;
        this.st = st;
        this.rs = rs;
        this.unavailable = unavailable;
        this.next = read();
    }

    /** The keys of the rows staged by {@code refreshId} (before the commit). Takes ownership of {@code c}. */
    public static ReferencedKeys staged(Connection c, String refreshId, MediaPolicy policy) throws SQLException {
        if (!StagingLayout.exists(c, refreshId)) {
            c.close();
            throw new IllegalStateException("nothing is staged for refresh " + refreshId + " in the target: the media copy"
                    + " guided by the database reads the keys from the staged rows, which exist between STAGE and COMMIT");
        }
        List<Source> sources = new ArrayList<>();
        for (MediaPolicy.Column col : policy.referenceColumns()) {
            Optional<String> t = StagingLayout.stagedTable(c, refreshId, col.table());
            sources.add(new Source(col, t.orElse(null), policy.placeholderOf(col)));
        }
        return open(c, sources);
    }

    /** The keys of the target's live rows (after the commit). Takes ownership of {@code c}. */
    public static ReferencedKeys live(Connection c, MediaPolicy policy) throws SQLException {
        List<Source> sources = new ArrayList<>();
        for (MediaPolicy.Column col : policy.referenceColumns()) {
            int dot = col.table().indexOf('.');
            sources.add(new Source(col, quote(col.table().substring(0, dot)) + "." + quote(col.table().substring(dot + 1)),
                    policy.placeholderOf(col)));
        }
        return open(c, sources);
    }

    private record Source(MediaPolicy.Column column, String relation, MediaPolicy.Placeholder placeholder) {
    }

    private static ReferencedKeys open(Connection c, List<Source> sources) throws SQLException {
        List<String> parts = new ArrayList<>();
        List<String> unavailable = new ArrayList<>();
        for (Source s : sources) {
            if (s.relation() == null || !hasColumn(c, s.relation(), s.column().column())) {
                unavailable.add(s.column().toString());
                continue;
            }
            boolean ph = s.placeholder() != null;
            boolean dims = ph && s.placeholder().keepDimensions();
            parts.add("select " + quote(s.column().column()) + "::text as k, " + ph + " as ph, " + dims + " as dims from "
                    + s.relation());
        }
        c.setAutoCommit(false); // a cursor: the keys stream in fetch-size pieces
        Statement st = c.createStatement();
        st.setFetchSize(10_000);
        String sql = parts.isEmpty() ? "select null::text, false, false where false"
                : "select k, bool_or(ph), bool_or(dims) from (" + String.join(" union all ", parts) + ") x"
                + " where k is not null and k <> '' group by k order by k collate \"C\"";
        try {
            return new ReferencedKeys(c, st, st.executeQuery(sql), unavailable);
        } catch (SQLException e) {
            st.close();
            c.close();
            throw e;
        }
    }

    private static boolean hasColumn(Connection c, String relation, String column) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select 1 from pg_attribute where attrelid = to_regclass(?)"
                + " and attname = ? and attnum > 0 and not attisdropped")) {
            ps.setString(1, relation);
            ps.setString(2, column);
            try (ResultSet r = ps.executeQuery()) {
                return r.next();
            }
        }
    }

    static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    /** Policy columns (table.column) the rows do not have: they reference nothing. */
    public List<String> unavailable() {
        return unavailable;
    }

    private Referenced read() throws SQLException {
        if (!rs.next()) {
            return null;
        }
        Referenced r = new Referenced(rs.getString(1), rs.getBoolean(2), rs.getBoolean(3));
        if (next != null && KeyOrder.compare(next.key(), r.key()) >= 0) {
            // COLLATE "C" sorts by bytes in the database's encoding: only UTF-8 matches S3's order
            throw new IllegalStateException("the target database does not sort media keys in S3 byte order (is its encoding"
                    + " UTF8?): restage compares them with the bucket listings as sorted streams and stops here");
        }
        return r;
    }

    @Override
    public boolean hasNext() {
        return next != null;
    }

    @Override
    public Referenced next() {
        if (next == null) {
            throw new NoSuchElementException();
        }
        Referenced out = next;
        try {
            next = read();
        } catch (SQLException e) {
            throw new IllegalStateException("reading the referenced media keys failed: " + e.getMessage(), e);
        }
        return out;
    }

    @Override
    public void close() throws SQLException {
        try {
            rs.close();
            st.close();
            c.rollback();
        } finally {
            c.close();
        }
    }
}
