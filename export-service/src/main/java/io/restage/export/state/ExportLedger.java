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
 * {@code refresh.requested}. A refresh is exported at most once; a redelivered request is ignored.
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
        }
    }

    /** True if this call claimed the refresh; false if it was already claimed (a duplicate request). */
    public boolean claim(String refreshId) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "insert into export_refresh (refresh_id, status) values (?, 'RUNNING') on conflict do nothing")) {
            ps.setString(1, refreshId);
            return ps.executeUpdate() == 1;
        }
    }

    public void finish(String refreshId, String status) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "update export_refresh set status = ?, finished_at = now() where refresh_id = ?")) {
            ps.setString(1, status);
            ps.setString(2, refreshId);
            ps.executeUpdate();
        }
    }

    /** Exports that were running when this service stopped: their snapshot is gone. */
    public List<String> interrupted() throws SQLException {
        List<String> ids = new ArrayList<>();
        try (Connection c = ds.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select refresh_id from export_refresh where status = 'RUNNING'")) {
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
        }
        return ids;
    }
}
