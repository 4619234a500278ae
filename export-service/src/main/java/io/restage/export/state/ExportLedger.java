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

    void init(@Observes @Priority(10) StartupEvent ev) throws SQLException {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
            st.execute("create table if not exists export_refresh (refresh_id text primary key, status text not null,"
                    + " started_at timestamptz not null default now(), finished_at timestamptz)");
            st.execute("alter table export_refresh add column if not exists owner text");
            st.execute("alter table export_refresh add column if not exists lease_until timestamptz");
            st.execute("alter table export_refresh add column if not exists cancel_requested boolean not null default false");
        }
    }

    /** True if this call claimed the refresh for {@code owner}; false if it was already claimed (a duplicate request). */
    public boolean claim(String refreshId, String owner, java.time.Duration lease) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "insert into export_refresh (refresh_id, status, owner, lease_until) values (?, 'RUNNING', ?,"
                        + " now() + ? * interval '1 millisecond') on conflict do nothing")) {
            ps.setString(1, refreshId);
            ps.setString(2, owner);
            ps.setLong(3, lease.toMillis());
            return ps.executeUpdate() == 1;
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
     * Running exports whose lease expired (their instance died, so their snapshot is gone), marked FAILED by this call:
     * each is returned to exactly one instance, whichever sweeps first.
     */
    public List<String> takeExpired() throws SQLException {
        List<String> ids = new ArrayList<>();
        try (Connection c = ds.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("update export_refresh set status = 'FAILED', finished_at = now()"
                     + " where status = 'RUNNING' and (lease_until is null or lease_until < now()) returning refresh_id")) {
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
        }
        return ids;
    }

    public void finish(String refreshId, String status) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "update export_refresh set status = ?, finished_at = now() where refresh_id = ?")) {
            ps.setString(1, status);
            ps.setString(2, refreshId);
            ps.executeUpdate();
        }
    }
}
