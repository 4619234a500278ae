package io.restage.common.kafka;

import io.restage.common.Failures;
import io.restage.common.messages.Event;
import io.restage.common.messages.MessageCodec;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A participant's replies on their way to {@code refresh.events}: written to the participant's state database first (in
 * the same transaction as the state change they report, where there is one), then sent by a relay that deletes each
 * only after the broker acknowledged it. A reply is therefore never lost to a broker outage or a crash after its
 * effect: it waits in the table until it is sent. A crash between sending and deleting sends it again, which the
 * orchestrator's idempotent intake absorbs (it records every event id it acted on).
 * <p>
 * Where the effect lives elsewhere (the target database, a bucket, Kafka), the reply is written right after it, and the
 * command that caused it is committed on the broker only after that: a crash in between redelivers the command and the
 * idempotent handler finds its effect done and writes the same answer.
 * <p>
 * One relay sends at a time across all instances of a service (an advisory lock), so the replies of one refresh keep
 * their order. Each service has its own table, {@code restage_outbox_<service>}.
 */
public final class ReplyOutbox {
    private static final Logger LOG = Logger.getLogger(ReplyOutbox.class.getName());

    /** Sends one reply and returns once the broker acknowledged it; throws if it did not. */
    public interface Sender {
        void send(Event event) throws Exception;
    }

    private final DataSource ds;
    private final String table;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private boolean pending;
    private volatile Thread relay;

    public ReplyOutbox(DataSource ds, String service) {
        this.ds = ds;
        this.table = "restage_outbox_" + service.replaceAll("[^A-Za-z0-9]", "_").toLowerCase();
    }

    public String table() {
        return table;
    }

    /** Adds a reply in the caller's transaction: it is sent if and only if that transaction commits. */
    public void append(Connection c, Event event) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("insert into " + table + " (refresh_id, body) values (?, ?)")) {
            ps.setString(1, event.refreshId() == null ? "" : event.refreshId());
            ps.setString(2, MessageCodec.encode(event));
            ps.executeUpdate();
        }
    }

    /** Adds a reply on its own (committed at once) and wakes the relay. */
    public void append(Event event) {
        try (Connection c = ds.getConnection()) {
            append(c, event);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot record the " + event.getClass().getSimpleName() + " reply of refresh "
                    + event.refreshId() + " in the outbox: " + Failures.describe(e), e);
        }
        wake();
    }

    /** Tells the relay there is something to send (call after committing a transaction that appended). */
    public void wake() {
        lock.lock();
        try {
            pending = true;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Replies not sent yet. */
    public long backlog() throws SQLException {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select count(*) from " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * Sends what is pending, oldest first, each deleted after its acknowledgement; stops at the first that cannot be
     * sent (it is tried again on the next pass, before anything newer). Returns how many were sent; 0 when another
     * instance's relay holds the turn.
     */
    public int relayOnce(Sender sender) throws SQLException {
        int sent = 0;
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(true);
            try (PreparedStatement ps = c.prepareStatement("select pg_try_advisory_lock(hashtext(?))")) {
                ps.setString(1, table);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (!rs.getBoolean(1)) {
                        return 0; // another instance is relaying (the session lock ends with its connection)
                    }
                }
            }
            try {
                record Row(long id, String body) {
                }
                List<Row> rows = new ArrayList<>();
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select id, body from " + table
                        + " order by id limit 500")) {
                    while (rs.next()) {
                        rows.add(new Row(rs.getLong(1), rs.getString(2)));
                    }
                }
                try (PreparedStatement delete = c.prepareStatement("delete from " + table + " where id = ?")) {
                    for (Row row : rows) {
                        try {
                            sender.send(MessageCodec.decode(row.body(), Event.class));
                        } catch (Exception e) {
                            LOG.log(Level.WARNING, "outbox " + table + ": a reply could not be sent now (" + Failures.describe(e)
                                    + "); it is kept and sent again");
                            break;
                        }
                        delete.setLong(1, row.id());
                        delete.executeUpdate();
                        sent++;
                    }
                }
            } finally {
                try (PreparedStatement ps = c.prepareStatement("select pg_advisory_unlock(hashtext(?))")) {
                    ps.setString(1, table);
                    ps.execute();
                }
            }
        }
        return sent;
    }

    /**
     * Starts the relay thread: it sends whenever woken, and every {@code everyMillis} in any case (replies another
     * instance appended, replies kept after a failed send).
     */
    public synchronized void start(Sender sender, long everyMillis) {
        if (relay != null) {
            return;
        }
        Thread t = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    relayOnce(sender);
                } catch (Exception e) {
                    LOG.log(Level.WARNING, "outbox " + table + ": relay pass failed (" + Failures.describe(e) + "); retried");
                }
                lock.lock();
                try {
                    if (!pending) {
                        wake.await(everyMillis, TimeUnit.MILLISECONDS);
                    }
                    pending = false;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    lock.unlock();
                }
            }
        }, "outbox-relay");
        t.setDaemon(true);
        relay = t;
        t.start();
    }

    public synchronized void stop() {
        if (relay != null) {
            relay.interrupt();
            relay = null;
        }
    }
}
