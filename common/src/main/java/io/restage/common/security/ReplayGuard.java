package io.restage.common.security;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * A participant's record of the signed control messages it has acted on, by event id, in its own state database. A
 * message whose id is recorded is a replay (an attacker re-writing a captured, validly signed record) or a redelivery
 * of work already done: either way it is not acted on again. The id is recorded after the handler finished, so a
 * crash half-way lets the redelivered message run again (handlers are idempotent). Ids older than twice the maximum
 * message age are purged: a message that old is refused as stale before it gets here.
 */
public final class ReplayGuard {
    private final DataSource ds;
    private final String service;
    private final Duration keep;

    public ReplayGuard(DataSource ds, String service, Duration maxMessageAge) {
        this.ds = ds;
        this.service = service;
        this.keep = maxMessageAge.multipliedBy(2);
    }

    public boolean seen(String eventId) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "select 1 from restage_processed_message where service = ? and event_id = ?")) {
            ps.setString(1, service);
            ps.setString(2, eventId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    public void record(String eventId) throws SQLException {
        try (Connection c = ds.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("insert into restage_processed_message (service, event_id)"
                    + " values (?, ?) on conflict do nothing")) {
                ps.setString(1, service);
                ps.setString(2, eventId);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("delete from restage_processed_message where service = ?"
                    + " and processed_at < now() - make_interval(secs => ?)")) {
                ps.setString(1, service);
                ps.setLong(2, keep.toSeconds());
                ps.executeUpdate();
            }
        }
    }
}
