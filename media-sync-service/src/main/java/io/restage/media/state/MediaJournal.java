package io.restage.media.state;

import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What the media copy did (or was about to do) per refresh. An entry is written <em>before</em> the object is
 * touched, so the compensation also covers a copy that failed half-way or timed out with unknown success.
 */
@ApplicationScoped
public class MediaJournal {
    public enum Status { COPYING, COPIED, FAILED, REVERTED, PRUNED }

    public enum Action { ADDED, OVERWRITTEN }

    public record Entry(String key, Action action) {
    }

    private final AgroalDataSource ds;

    public MediaJournal(AgroalDataSource ds) {
        this.ds = ds;
    }

    public Optional<Status> status(String refreshId) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "select status from media_refresh where refresh_id = ?")) {
            ps.setString(1, refreshId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(Status.valueOf(rs.getString(1))) : Optional.empty();
            }
        }
    }

    /** Starts (or restarts) a copy; a previous partial attempt's journal entries stay and are reused. */
    public void begin(String refreshId, String source, String target) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "insert into media_refresh (refresh_id, source, target, status) values (?, ?, ?, 'COPYING')"
                        + " on conflict (refresh_id) do update set status = 'COPYING', updated_at = now()")) {
            ps.setString(1, refreshId);
            ps.setString(2, source);
            ps.setString(3, target);
            ps.executeUpdate();
        }
    }

    /** The source and target the refresh's copy was journaled for, if it was. */
    public Optional<String[]> route(String refreshId) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "select source, target from media_refresh where refresh_id = ?")) {
            ps.setString(1, refreshId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new String[]{rs.getString(1), rs.getString(2)}) : Optional.empty();
            }
        }
    }

    public void record(String refreshId, String key, Action action) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "insert into media_journal values (?, ?, ?) on conflict do nothing")) {
            ps.setString(1, refreshId);
            ps.setString(2, key);
            ps.setString(3, action.name());
            ps.executeUpdate();
        }
    }

    public List<Entry> entries(String refreshId) throws SQLException {
        List<Entry> out = new ArrayList<>();
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "select object_key, action from media_journal where refresh_id = ? order by object_key")) {
            ps.setString(1, refreshId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Entry(rs.getString(1), Action.valueOf(rs.getString(2))));
                }
            }
        }
        return out;
    }

    public void finish(String refreshId, Status status, long copied, long unchanged, long overwritten, long bytes)
            throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "update media_refresh set status = ?, copied = ?, unchanged = ?, overwritten = ?, bytes = ?, updated_at = now()"
                        + " where refresh_id = ?")) {
            ps.setString(1, status.name());
            ps.setLong(2, copied);
            ps.setLong(3, unchanged);
            ps.setLong(4, overwritten);
            ps.setLong(5, bytes);
            ps.setString(6, refreshId);
            ps.executeUpdate();
        }
    }

    public long[] counts(String refreshId) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "select coalesce(copied,0), coalesce(unchanged,0), coalesce(overwritten,0), coalesce(bytes,0) from media_refresh where refresh_id = ?")) {
            ps.setString(1, refreshId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new long[]{rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4)} : new long[4];
            }
        }
    }

    public void set(String refreshId, Status status) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "update media_refresh set status = ?, updated_at = now() where refresh_id = ?")) {
            ps.setString(1, status.name());
            ps.setString(2, refreshId);
            ps.executeUpdate();
        }
    }
}
