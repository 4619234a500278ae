package io.restage.importer.state;

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
import java.util.List;
import io.restage.common.kafka.ReplyOutbox;
import io.restage.common.messages.Event;
import java.util.Optional;

/** The import service's own record of refreshes: target, status, and the table list the export announced. */
@ApplicationScoped
public class ImportLedger {
    public enum Status { STAGING, STAGED, COMMITTED, DISCARDED, FAILED }

    /**
     * {@code exportedTables}: null until the export completed; {@code exportedAttempt}: the export's snapshot that
     * completed (only its batches make the refresh complete).
     */
    public record Entry(String refreshId, String source, String target, Status status, List<String> exportedTables,
                        int exportedAttempt) {
    }

    private final AgroalDataSource ds;

    public ImportLedger(AgroalDataSource ds) {
        this.ds = ds;
    }

    public void register(String refreshId, String source, String target) throws SQLException {
        update("insert into import_refresh (refresh_id, source, target, status) values (?, ?, ?, 'STAGING') on conflict do nothing",
                refreshId, source, target);
    }

    /**
     * Marks the refresh discarded, also one never seen (a tombstone: a batch or request arriving later finds it
     * discarded and stages nothing). False if it is committed, which a discard cannot change.
     */
    public boolean discard(String refreshId, String target) throws SQLException {
        update("insert into import_refresh (refresh_id, source, target, status) values (?, '', ?, 'DISCARDED')"
                + " on conflict (refresh_id) do update set status = 'DISCARDED', updated_at = now()"
                + " where import_refresh.status <> 'COMMITTED'", refreshId, target);
        return find(refreshId).map(e -> e.status() == Status.DISCARDED).orElse(false);
    }

    public Optional<Entry> find(String refreshId) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "select r.source, r.target, r.status, m.tables, coalesce(m.attempt, 1) from import_refresh r"
                        + " left join import_export_manifest m on m.refresh_id = r.refresh_id where r.refresh_id = ?")) {
            ps.setString(1, refreshId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                String tables = rs.getString(4);
                return Optional.of(new Entry(refreshId, rs.getString(1), rs.getString(2), Status.valueOf(rs.getString(3)),
                        tables == null ? null : tables.isEmpty() ? List.of() : List.of(tables.split("\t")), rs.getInt(5)));
            }
        }
    }

    /** The export's table list of snapshot {@code attempt}; a list of an earlier attempt never replaces a later one. */
    public void exported(String refreshId, List<String> tables, int attempt) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "insert into import_export_manifest (refresh_id, tables, attempt) values (?, ?, ?) on conflict (refresh_id)"
                        + " do update set tables = excluded.tables, attempt = excluded.attempt"
                        + " where import_export_manifest.attempt <= excluded.attempt")) {
            ps.setString(1, refreshId);
            ps.setString(2, String.join("\t", tables));
            ps.setInt(3, attempt);
            ps.executeUpdate();
        }
    }

    /** Moves the refresh from one status to another; false if it was not in {@code from} (someone else moved it). */
    public boolean transition(String refreshId, Status from, Status to) throws SQLException {
        return update("update import_refresh set status = ?, updated_at = now() where refresh_id = ? and status = ?",
                to.name(), refreshId, from.name()) == 1;
    }

    /**
     * {@link #transition(String, Status, Status)} and its reply in one transaction: the reply is sent if and only if the
     * transition happened.
     */
    public boolean transition(String refreshId, Status from, Status to, ReplyOutbox outbox, Event reply) throws SQLException {
        return inTransaction("update import_refresh set status = ?, updated_at = now() where refresh_id = ? and status = ?",
                outbox, reply, false, to.name(), refreshId, from.name());
    }

    /** Sets the status and records its reply in one transaction. */
    public void set(String refreshId, Status to, ReplyOutbox outbox, Event reply) throws SQLException {
        inTransaction("update import_refresh set status = ?, updated_at = now() where refresh_id = ?", outbox, reply, true,
                to.name(), refreshId);
    }

    /** Runs the update and records the reply in the same transaction: when the update changed a row, or {@code always}. */
    private boolean inTransaction(String sql, ReplyOutbox outbox, Event reply, boolean always, String... args) throws SQLException {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < args.length; i++) {
                    ps.setString(i + 1, args[i]);
                }
                boolean changed = ps.executeUpdate() == 1;
                if (changed || always) {
                    outbox.append(c, reply);
                }
                c.commit();
                outbox.wake();
                return changed;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    public void set(String refreshId, Status to) throws SQLException {
        update("update import_refresh set status = ?, updated_at = now() where refresh_id = ?", to.name(), refreshId);
    }

    private int update(String sql, String... args) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setString(i + 1, args[i]);
            }
            return ps.executeUpdate();
        }
    }
}
