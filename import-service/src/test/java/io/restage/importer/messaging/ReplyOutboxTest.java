package io.restage.importer.messaging;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restage.common.kafka.ReplyOutbox;
import io.restage.common.messages.Event;
import io.restage.common.messages.ImportReply;
import io.restage.stack.testing.StackTestResource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/** The reply outbox against PostgreSQL: sent if and only if its transaction commits, in order, never lost to a failed send. */
@QuarkusTest
@QuarkusTestResource(StackTestResource.class)
class ReplyOutboxTest {
    private PGSimpleDataSource ds;
    private ReplyOutbox outbox;

    @BeforeEach
    void emptyOutbox() throws Exception {
        ds = new PGSimpleDataSource();
        ds.setURL(StackTestResource.stack().jdbcUrl("restage"));
        ds.setUser("postgres");
        outbox = new ReplyOutbox(ds, "outbox-test-" + UUID.randomUUID().toString().substring(0, 8));
        // a table of its own, shaped exactly as the service's migrated outbox (whose relay runs beside this test)
        try (Connection c = ds.getConnection(); java.sql.Statement st = c.createStatement()) {
            st.execute("create table " + outbox.table() + " (like restage_outbox_import_service including all)");
        }
    }

    private static Event reply(String id) {
        return new ImportReply.StagingDiscarded(id, "refresh-1", Instant.parse("2026-01-01T00:00:00Z"));
    }

    @Test
    void shouldSendAReplyIfAndOnlyIfItsTransactionCommits() throws Exception {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            outbox.append(c, reply("rolled-back"));
            c.rollback();
            outbox.append(c, reply("committed"));
            c.commit();
        }
        List<String> sent = new ArrayList<>();
        assertEquals(1, outbox.relayOnce(e -> sent.add(e.eventId())));
        assertEquals(List.of("committed"), sent);
        assertEquals(0, outbox.backlog(), "an acknowledged reply leaves the outbox");
    }

    @Test
    void shouldKeepWhatTheBrokerDidNotAcknowledgeAndSendItFirstOnTheNextPass() throws Exception {
        for (String id : List.of("r1", "r2", "r3")) {
            outbox.append(reply(id));
        }
        List<String> sent = new ArrayList<>();
        // when: the broker acknowledges the first reply, then is unavailable
        int first = outbox.relayOnce(e -> {
            if (!sent.isEmpty()) {
                throw new IllegalStateException("broker unavailable");
            }
            sent.add(e.eventId());
        });
        // then: nothing after the failure was sent out of order, and nothing is lost
        assertEquals(1, first);
        assertEquals(2, outbox.backlog());
        assertEquals(2, outbox.relayOnce(e -> sent.add(e.eventId())));
        assertEquals(List.of("r1", "r2", "r3"), sent);
        assertEquals(0, outbox.backlog());
    }

    @Test
    void shouldLetOneRelayAtATimeSendSoOneRefreshsRepliesKeepTheirOrderAcrossInstances() throws Exception {
        outbox.append(reply("r1"));
        List<String> sent = new ArrayList<>();
        try (Connection other = ds.getConnection(); PreparedStatement ps = other.prepareStatement("select pg_advisory_lock(hashtext(?))")) {
            ps.setString(1, outbox.table());
            ps.execute(); // another instance's relay holds the turn
            assertEquals(0, outbox.relayOnce(e -> sent.add(e.eventId())));
            assertEquals(List.of(), sent);
            try (Statement st = other.createStatement()) {
                st.execute("select pg_advisory_unlock_all()");
            }
        }
        assertEquals(1, outbox.relayOnce(e -> sent.add(e.eventId())));
        assertEquals(List.of("r1"), sent);
    }
}
