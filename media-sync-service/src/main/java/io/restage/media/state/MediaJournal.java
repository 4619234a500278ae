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
    /**
     * A refresh's media: COPYING, then COPIED or FAILED; REVERTED by its compensation; PRUNED after its commit; UNDONE by
     * an undo; EXPIRED once newer refreshes of the target pushed its kept-aside objects out of the generations kept.
     */
    public enum Status { COPYING, COPIED, FAILED, REVERTED, PRUNED, UNDONE, EXPIRED }

    /** What the refresh did to a key: added it, overwrote it (backup kept), or pruned it (kept aside). */
    public enum Action { ADDED, OVERWRITTEN, PRUNED }

    /**
     * One journaled key. {@code priorVersion}: the version the key had before (a target that keeps versions), or null
     * when a copy kept aside is its backup. {@code writtenVersion}: the first version the refresh wrote to a key it
     * added (a target that keeps versions), or null.
     */
    public record Entry(String key, Action action, String priorVersion, String writtenVersion) {
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

    public void finish(String refreshId, Status status, io.restage.media.sync.MediaSync.Counters n) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "update media_refresh set status = ?, copied = ?, unchanged = ?, overwritten = ?, bytes = ?, placeholders = ?,"
                        + " missing = ?, updated_at = now() where refresh_id = ?")) {
            ps.setString(1, status.name());
            ps.setLong(2, n.copied.get());
            ps.setLong(3, n.unchanged.get());
            ps.setLong(4, n.overwritten.get());
            ps.setLong(5, n.bytes.get());
            ps.setLong(6, n.placeholders.get());
            ps.setLong(7, n.missing.get());
            ps.setString(8, refreshId);
            ps.executeUpdate();
        }
    }

    /** copied, unchanged, overwritten, bytes, placeholders, missing. */
    public long[] counts(String refreshId) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "select coalesce(copied,0), coalesce(unchanged,0), coalesce(overwritten,0), coalesce(bytes,0),"
                        + " coalesce(placeholders,0), coalesce(missing,0) from media_refresh where refresh_id = ?")) {
            ps.setString(1, refreshId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new long[]{rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5),
                        rs.getLong(6)} : new long[6];
            }
        }
    }

    /** Journals many keys with one action, in one statement. */
    public void recordAll(String refreshId, java.util.List<String> keys, Action action) throws SQLException {
        if (keys.isEmpty()) {
            return;
        }
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "insert into media_journal (refresh_id, object_key, action) select ?, k, ? from unnest(?::text[]) k"
                        + " on conflict do nothing")) {
            ps.setString(1, refreshId);
            ps.setString(2, action.name());
            ps.setArray(3, c.createArrayOf("text", keys.toArray()));
            ps.executeUpdate();
        }
    }

    /**
     * Journals many keys with one action and the version each had before, in one statement (a target that keeps
     * versions: nothing is copied aside, the undo goes back to these versions).
     */
    public void recordAll(String refreshId, List<String> keys, List<String> priorVersions, Action action) throws SQLException {
        if (keys.isEmpty()) {
            return;
        }
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "insert into media_journal (refresh_id, object_key, action, prior_version) select ?, k, ?, v"
                        + " from unnest(?::text[], ?::text[]) as u(k, v)"
                        + " on conflict (refresh_id, object_key) do update set prior_version = excluded.prior_version")) {
            ps.setString(1, refreshId);
            ps.setString(2, action.name());
            ps.setArray(3, c.createArrayOf("text", keys.toArray()));
            ps.setArray(4, c.createArrayOf("text", priorVersions.toArray()));
            ps.executeUpdate();
        }
    }

    /**
     * The version a journaled key had before this refresh overwrote it (taken just before the write). A retried copy
     * never replaces the first one it recorded: by then the key may hold this refresh's own version.
     */
    public void priorVersion(String refreshId, String key, String version) throws SQLException {
        firstVersion("prior_version", refreshId, key, version);
    }

    /**
     * The version this refresh's copy wrote to a key it added. A retried copy keeps the first: the undo deletes it and
     * every version above it.
     */
    public void writtenVersion(String refreshId, String key, String version) throws SQLException {
        firstVersion("written_version", refreshId, key, version);
    }

    /** Sets a version column of a journaled key unless it was set already (by an earlier attempt of the copy). */
    private void firstVersion(String column, String refreshId, String key, String version) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement("update media_journal set " + column
                + " = ? where refresh_id = ? and object_key = ? and " + column + " is null")) {
            ps.setString(1, version);
            ps.setString(2, refreshId);
            ps.setString(3, key);
            ps.executeUpdate();
        }
    }

    /**
     * The pruned refreshes of {@code target} beyond the newest {@code keep}: their kept-aside objects can go (the
     * database keeps as many generations).
     */
    public java.util.List<String> beyondGenerations(String target, int keep) throws SQLException {
        java.util.List<String> out = new java.util.ArrayList<>();
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "select refresh_id from media_refresh where target = ? and status = 'PRUNED'"
                        + " order by updated_at desc offset ?")) {
            ps.setString(1, target);
            ps.setInt(2, Math.max(0, keep));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    public void undone(String refreshId, long removed, long restored) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "update media_refresh set status = 'UNDONE', undo_removed = ?, undo_restored = ?, updated_at = now()"
                        + " where refresh_id = ?")) {
            ps.setLong(1, removed);
            ps.setLong(2, restored);
            ps.setString(3, refreshId);
            ps.executeUpdate();
        }
    }

    /** removed, restored of a refresh's undo. */
    public long[] undoCounts(String refreshId) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "select coalesce(undo_removed, 0), coalesce(undo_restored, 0) from media_refresh where refresh_id = ?")) {
            ps.setString(1, refreshId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new long[]{rs.getLong(1), rs.getLong(2)} : new long[2];
            }
        }
    }

    /** Records the prune's outcome with the status PRUNED. */
    public void pruned(String refreshId, long deleted, long targetObjects, String held) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "update media_refresh set status = 'PRUNED', pruned = ?, target_objects = ?, prune_held = ?, updated_at = now()"
                        + " where refresh_id = ?")) {
            ps.setLong(1, deleted);
            ps.setLong(2, targetObjects);
            ps.setString(3, held);
            ps.setString(4, refreshId);
            ps.executeUpdate();
        }
    }

    /** The recorded prune of a refresh, for a duplicate command. */
    public io.restage.common.messages.MediaReply.MediaPruned prunedReply(String refreshId) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "select coalesce(pruned, 0), coalesce(target_objects, 0), prune_held from media_refresh where refresh_id = ?")) {
            ps.setString(1, refreshId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new io.restage.common.messages.MediaReply.MediaPruned(io.restage.common.messages.Message.newId(),
                        refreshId, java.time.Instant.now(), rs.getLong(1), rs.getLong(2), rs.getString(3));
            }
        }
    }

    /** Each journaled action of the refresh, streamed from the database (a cursor, not a list in memory). */
    public void forEachEntry(String refreshId, EntryAction action) throws Exception {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(
                    "select object_key, action, prior_version, written_version from media_journal where refresh_id = ?"
                            + " order by object_key")) {
                ps.setFetchSize(5_000);
                ps.setString(1, refreshId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        action.accept(new Entry(rs.getString(1), Action.valueOf(rs.getString(2)), rs.getString(3), rs.getString(4)));
                    }
                }
            } finally {
                c.rollback();
                c.setAutoCommit(true);
            }
        }
    }

    /** What to do with one journal entry. */
    @FunctionalInterface
    public interface EntryAction {
        void accept(Entry e) throws Exception;
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
