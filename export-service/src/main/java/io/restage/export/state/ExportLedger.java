package io.restage.export.state;

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
import java.util.function.Function;
import io.restage.common.kafka.ReplyOutbox;
import io.restage.common.messages.Event;

/**
 * The export service's own record of which refreshes it has started: the idempotency key of
 * {@code refresh.requested}. A refresh is exported at most once; a redelivered request is ignored. Shared by every
 * instance: each running export is held by its instance under a lease the instance renews while it works, so a
 * starting instance never touches another's work, an export whose instance died is found by its expired lease, and a
 * cancel reaches whichever instance holds the export.
 */
@ApplicationScoped
public class ExportLedger {
    private final AgroalDataSource ds;

    public ExportLedger(AgroalDataSource ds) {
        this.ds = ds;
    }

    /** An export whose instance died, taken over by this instance under a new snapshot number. */
    public record Restart(String refreshId, int attempt, String request) {
    }

    /** The outcome of a sweep: exports this instance takes over, and exports that ran out of attempts (now FAILED). */
    public record Sweep(List<Restart> restart, List<Restart> exhausted) {
    }

    /**
     * True if this call claimed the refresh for {@code owner}; false if it was already claimed (a duplicate request).
     * {@code request} (the verified request, as JSON) is kept so that another instance can start the export over if
     * this one dies.
     */
    public boolean claim(String refreshId, String owner, java.time.Duration lease, String request) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "insert into export_refresh (refresh_id, status, owner, lease_until, request) values (?, 'RUNNING', ?,"
                        + " now() + ? * interval '1 millisecond', ?) on conflict do nothing")) {
            ps.setString(1, refreshId);
            ps.setString(2, owner);
            ps.setLong(3, lease.toMillis());
            ps.setString(4, request);
            return ps.executeUpdate() == 1;
        }
    }

    /**
     * The owner starts its own export over (a transient fault): the next attempt number, or -1 when the export is no
     * longer this owner's running one (taken over, cancelled or finished) and must not go on.
     */
    public int nextAttempt(String refreshId, String owner, ReplyOutbox outbox, java.util.function.IntFunction<Event> restarted)
            throws SQLException {
        return inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "update export_refresh set attempt = attempt + 1 where refresh_id = ? and owner = ? and status = 'RUNNING'"
                            + " returning attempt")) {
                ps.setString(1, refreshId);
                ps.setString(2, owner);
                int next = -1;
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        next = rs.getInt(1);
                    }
                }
                if (next > 0) {
                    outbox.append(c, restarted.apply(next));
                }
                return next;
            }
        });
    }

    /** Records that the policy check's verdict was reported (a restarted export re-checks but reports no second verdict). */
    public void validated(String refreshId) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "update export_refresh set validated = true where refresh_id = ?")) {
            ps.setString(1, refreshId);
            ps.executeUpdate();
        }
    }

    public boolean isValidated(String refreshId) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "select validated from export_refresh where refresh_id = ?")) {
            ps.setString(1, refreshId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /** Extends the leases of {@code owner}'s running exports; returns those of them an operator asked to cancel. */
    public List<String> renew(String owner, java.util.Collection<String> refreshIds, java.time.Duration lease) throws SQLException {
        List<String> cancel = new ArrayList<>();
        if (refreshIds.isEmpty()) {
            return cancel;
        }
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "update export_refresh set lease_until = now() + ? * interval '1 millisecond'"
                        + " where owner = ? and status = 'RUNNING' and refresh_id = any (?) returning refresh_id, cancel_requested")) {
            ps.setLong(1, lease.toMillis());
            ps.setString(2, owner);
            ps.setArray(3, c.createArrayOf("text", refreshIds.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (rs.getBoolean(2)) {
                        cancel.add(rs.getString(1));
                    }
                }
            }
        }
        return cancel;
    }

    /** Records a cancel for whichever instance holds the export (it sees it at its next renewal). */
    public void requestCancel(String refreshId) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "update export_refresh set cancel_requested = true where refresh_id = ?")) {
            ps.setString(1, refreshId);
            ps.executeUpdate();
        }
    }

    /**
     * Running exports whose lease expired (their instance died, and their snapshot with it). Each goes to exactly one
     * instance, whichever sweeps first: one that may still start over ({@code attempt < attempts}, a request on record,
     * not cancelled) is taken over by {@code owner} under the next attempt number; the rest are marked FAILED.
     */
    public Sweep takeExpired(String owner, java.time.Duration lease, int attempts, ReplyOutbox outbox,
                             Function<Restart, Event> restarted, Function<Restart, Event> failed) throws SQLException {
        List<Restart> restart = new ArrayList<>();
        List<Restart> exhausted = new ArrayList<>();
        inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("update export_refresh set owner = ?, attempt = attempt + 1,"
                    + " lease_until = now() + ? * interval '1 millisecond' where status = 'RUNNING' and (lease_until is null"
                    + " or lease_until < now()) and attempt < ? and request is not null and not cancel_requested"
                    + " and owner is distinct from ? returning refresh_id, attempt, request")) {
                ps.setString(1, owner);
                ps.setLong(2, lease.toMillis());
                ps.setInt(3, attempts);
                ps.setString(4, owner); // its own exports this instance still runs: it renews them when its database is back
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        restart.add(new Restart(rs.getString(1), rs.getInt(2), rs.getString(3)));
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("update export_refresh set status = 'FAILED',"
                    + " finished_at = now() where status = 'RUNNING' and (lease_until is null or lease_until < now())"
                    + " and owner is distinct from ? returning refresh_id, attempt")) {
                ps.setString(1, owner);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        exhausted.add(new Restart(rs.getString(1), rs.getInt(2), null));
                    }
                }
            }
            // the replies in the same transaction: a takeover is reported if and only if it happened
            for (Restart r : restart) {
                outbox.append(c, restarted.apply(r));
            }
            for (Restart r : exhausted) {
                outbox.append(c, failed.apply(r));
            }
            return null;
        });
        return new Sweep(restart, exhausted);
    }

    /**
     * Ends the export if {@code owner} still holds it: false when another instance took it over (this one was thought
     * dead, its lease ran out) or it already ended; the caller then reports nothing, its attempt no longer counts.
     */
    public boolean finish(String refreshId, String owner, String status, ReplyOutbox outbox, Event reply) throws SQLException {
        return inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "update export_refresh set status = ?, finished_at = now() where refresh_id = ? and owner = ?"
                            + " and status = 'RUNNING'")) {
                ps.setString(1, status);
                ps.setString(2, refreshId);
                ps.setString(3, owner);
                boolean held = ps.executeUpdate() == 1;
                if (held && reply != null) {
                    outbox.append(c, reply); // the export's outcome and its reply: both or neither
                }
                return held;
            }
        });
    }

    /** Work inside one transaction of the ledger's database. */
    private interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** Runs {@code work} in one transaction: committed if it returns, rolled back if it throws. */
    private <T> T inTransaction(Work<T> work) throws SQLException {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try {
                T out = work.run(c);
                c.commit();
                return out;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }
}
