package io.restage.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restage.common.Topics;
import io.restage.common.batch.Batch;
import io.restage.common.batch.BatchCodec;
import io.restage.common.batch.BatchSeal;
import io.restage.common.messages.Command;
import io.restage.common.batch.BatchHeader;
import io.restage.common.batch.Checksums;
import io.restage.common.messages.Event;
import io.restage.common.messages.ExportReply;
import io.restage.common.messages.MessageCodec;
import io.restage.common.messages.RefreshRequested;
import io.restage.stack.testing.KafkaProbe;
import io.restage.stack.testing.StackTestResource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(StackTestResource.class)
class ExportServiceTest {
    private static final int ROWS = 5000;

    @BeforeAll
    static void sourceData() throws Exception {
        try (Connection c = DriverManager.getConnection(StackTestResource.stack().jdbcUrl("production"), "postgres", "");
             Statement st = c.createStatement()) {
            st.execute("truncate users, sessions");
            st.execute("insert into users (id, email, note) select i, 'user' || i || '@corp.com', repeat('x', i % 50) || E'\\t\\n' from generate_series(1, " + ROWS + ") i");
            st.execute("insert into sessions values ('s1'), ('s2')");
        }
    }

    private static io.restage.common.security.DataKeys keys() throws Exception {
        org.postgresql.ds.PGSimpleDataSource ds = new org.postgresql.ds.PGSimpleDataSource();
        ds.setURL(StackTestResource.stack().jdbcUrl("restage"));
        ds.setUser("postgres");
        return new io.restage.common.security.DataKeys(ds, new io.restage.common.config.Secret(StackTestResource.BATCH_KEY));
    }

    private static javax.crypto.SecretKey dataKey(String refreshId) {
        try {
            return keys().get(refreshId).orElseThrow();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void shouldExportEveryTableOnceInBoundedBatchesEndedByAVerifiableMarker() throws Exception {
        String id = UUID.randomUUID().toString();
        RefreshRequested request = new RefreshRequested(UUID.randomUUID().toString(), id, Instant.now(), "production",
                "staging", List.of(), false, "test", null);
        RefreshRequested redelivered = new RefreshRequested(UUID.randomUUID().toString(), id, Instant.now(), "production",
                "staging", List.of(), false, "test", null);
        try (KafkaProbe kafka = new KafkaProbe(StackTestResource.stack())) {
            // when: the request arrives twice (redelivery)
            kafka.sendSigned(Topics.REFRESH_REQUESTED.name(), request);
            kafka.sendSigned(Topics.REFRESH_REQUESTED.name(), redelivered);

            // then: the export completes once
            List<ConsumerRecord<String, byte[]>> events = kafka.readUntil(Topics.REFRESH_EVENTS.name(),
                    recs -> recs.stream().anyMatch(r -> id.equals(r.key()) && KafkaProbe.text(r).contains("ExportCompleted")),
                    Duration.ofSeconds(60));
            List<Event> mine = events.stream().filter(r -> id.equals(r.key()))
                    .map(r -> MessageCodec.decode(KafkaProbe.text(r), Event.class)).toList();
            assertEquals(1, mine.stream().filter(e -> e instanceof ExportReply.ExportStarted).count());
            ExportReply.ExportCompleted done = (ExportReply.ExportCompleted) mine.stream()
                    .filter(e -> e instanceof ExportReply.ExportCompleted).findFirst().orElseThrow();
            assertEquals(ROWS, done.tables().stream().filter(t -> t.table().equals("public.users")).findFirst().orElseThrow().rows());
            assertFalse(done.tables().stream().anyMatch(t -> t.table().equals("public.sessions")), "excluded tables are never read");

            String key = Topics.batchKey(id, "public.users");
            List<ConsumerRecord<String, byte[]>> batches = kafka.readUntil(Topics.BATCHES_EXPORTED.name(),
                    recs -> recs.stream().anyMatch(r -> key.equals(r.key()) && BatchCodec.header(r.value()).kind() == BatchHeader.Kind.END),
                    Duration.ofSeconds(30));
            long rows = 0;
            long checksum = 0;
            Set<Long> seqs = new TreeSet<>();
            BatchHeader end = null;
            for (ConsumerRecord<String, byte[]> r : batches) {
                if (!key.equals(r.key())) {
                    continue;
                }
                assertTrue(BatchSeal.isSealed(r.value()), "raw batches leave the export sealed");
                assertFalse(new String(r.value(), java.nio.charset.StandardCharsets.ISO_8859_1).contains("@corp.com"));
                Batch b = BatchCodec.decode(BatchSeal.open(r.value(), dataKey(id)));
                if (b.header().kind() == BatchHeader.Kind.END) {
                    end = b.header();
                    continue;
                }
                assertTrue(seqs.add(b.header().seq()), "batch " + b.header().seq() + " sent twice");
                assertTrue(b.header().rowCount() <= 1000, "batches are bounded");
                assertTrue(r.value().length < b.payload().length, "payload is compressed on the wire");
                assertEquals(List.of("id", "email", "full_name", "password_hash", "note"), b.header().columns().stream().map(c -> c.name()).toList());
                rows += b.header().rowCount();
                checksum += Checksums.of(b.payload());
            }
            assertEquals(ROWS, rows);
            assertEquals(ROWS, end.rowCount());
            assertEquals(seqs.size(), end.batchCount());
            assertEquals(end.tableChecksum(), checksum);

            // when the refresh ends, the orchestrator has its data key destroyed: nothing sealed under it opens again
            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.ShredRefreshData(UUID.randomUUID().toString(), id, Instant.now()));
            List<ConsumerRecord<String, byte[]>> after = kafka.readUntil(Topics.REFRESH_EVENTS.name(),
                    recs -> recs.stream().anyMatch(r -> id.equals(r.key()) && KafkaProbe.text(r).contains("RefreshDataShredded")),
                    Duration.ofSeconds(60));
            ExportReply.RefreshDataShredded shredded = (ExportReply.RefreshDataShredded) after.stream().filter(r -> id.equals(r.key()))
                    .map(r -> MessageCodec.decode(KafkaProbe.text(r), Event.class))
                    .filter(e -> e instanceof ExportReply.RefreshDataShredded).findFirst().orElseThrow();
            assertTrue(shredded.keyDestroyed());
            assertTrue(keys().get(id).isEmpty(), "the key is gone");
            assertThrows(IllegalStateException.class, () -> keys().create(id), "and is never made anew for that refresh");
        }
    }

    @Test
    void shouldSendATableNoRuleChangesToTheImporterSignedAndReportItAnonymizedBeforeTheExportCompletes() throws Exception {
        // given: integrations whose two rules the request skips (typed risk acknowledgement): nothing changes the table
        try (Connection c = DriverManager.getConnection(StackTestResource.stack().jdbcUrl("production"), "postgres", "");
             Statement st = c.createStatement()) {
            st.execute("truncate partner_integrations");
            st.execute("insert into partner_integrations select i, 'sk_live_' || i, i % 2 = 0 from generate_series(1, 300) i");
        }
        String id = UUID.randomUUID().toString();
        List<String> skip = List.of("public.partner_integrations.api_key", "public.partner_integrations.enabled");
        RefreshRequested request = new RefreshRequested(UUID.randomUUID().toString(), id, Instant.now(), "production",
                "staging", skip, false, "test", RefreshRequested.RISK_ACKNOWLEDGEMENT, null);
        try (KafkaProbe kafka = new KafkaProbe(StackTestResource.stack())) {
            kafka.sendSigned(Topics.REFRESH_REQUESTED.name(), request);
            List<Event> mine = kafka.readUntil(Topics.REFRESH_EVENTS.name(),
                    recs -> recs.stream().anyMatch(r -> id.equals(r.key()) && KafkaProbe.text(r).contains("ExportCompleted")),
                    Duration.ofSeconds(60)).stream().filter(r -> id.equals(r.key()))
                    .map(r -> MessageCodec.decode(KafkaProbe.text(r), Event.class)).toList();

            // then: the table is reported anonymized, with the skipped rules, before the export completes ...
            List<Event> reports = mine.stream().filter(e -> e instanceof io.restage.common.messages.AnonymizerReply.TableAnonymized).toList();
            assertEquals(1, reports.size(), "only the unchanged table is reported by the export (users has rules): " + reports);
            io.restage.common.messages.AnonymizerReply.TableAnonymized report =
                    (io.restage.common.messages.AnonymizerReply.TableAnonymized) reports.get(0);
            assertEquals("public.partner_integrations", report.table());
            assertEquals(300, report.rows());
            assertEquals(List.of(), report.ran());
            assertEquals(List.of("public.partner_integrations.api_key:null", "public.partner_integrations.enabled:constant"),
                    report.skipped());
            assertEquals(1, report.attempt());
            assertTrue(mine.indexOf(report) < mine.indexOf(mine.stream().filter(e -> e instanceof ExportReply.ExportCompleted)
                    .findFirst().orElseThrow()), "reported before ExportCompleted");

            // ... its batches are on the clean topic as the anonymizer would have written them: signed, marked, checksums kept
            String key = Topics.batchKey(id, "public.partner_integrations");
            io.restage.common.security.MessageSignatures signatures = new io.restage.common.security.MessageSignatures(
                    new io.restage.common.config.Secret(StackTestResource.MESSAGE_KEY), Duration.ofMinutes(10));
            long rows = 0;
            long checksum = 0;
            BatchHeader end = null;
            for (ConsumerRecord<String, byte[]> r : kafka.readAll(Topics.BATCHES_ANONYMIZED.name(), Duration.ofSeconds(30))) {
                if (!key.equals(r.key())) {
                    continue;
                }
                assertTrue(io.restage.common.kafka.SignedRecords.verifyBatch(signatures, r).accepted(), "signed like the anonymizer's");
                assertFalse(BatchSeal.isSealed(r.value()));
                Batch b = BatchCodec.decode(r.value());
                assertTrue(b.header().anonymized());
                assertEquals(skip, b.header().skipAnonymizers());
                if (b.header().kind() == BatchHeader.Kind.END) {
                    end = b.header();
                    continue;
                }
                assertTrue(new String(b.payload(), java.nio.charset.StandardCharsets.UTF_8).contains("sk_live_7\tf"),
                        "the rows are the source's: the request skipped the rules");
                rows += b.header().rowCount();
                checksum += Checksums.of(b.payload());
            }
            assertEquals(300, rows);
            assertEquals(300, end.rowCount());
            assertEquals(end.tableChecksum(), checksum);

            // ... and none of it went to the anonymizer, while users (rules apply) did
            List<ConsumerRecord<String, byte[]>> raw = kafka.readAll(Topics.BATCHES_EXPORTED.name(), Duration.ofSeconds(30));
            assertTrue(raw.stream().noneMatch(r -> key.equals(r.key())), "no raw batch of the unchanged table");
            assertTrue(raw.stream().anyMatch(r -> Topics.batchKey(id, "public.users").equals(r.key())));
        }
    }

    @Test
    void shouldStartAnExportWhoseInstanceDiedOverUnderANewSnapshotAndNeverTouchAnotherInstancesLiveExport() throws Exception {
        // given: three exports in the shared ledger held by other instances: one died on its first snapshot, one died
        // on its last allowed snapshot (restage.export.attempts is 3), one is alive
        String dead = UUID.randomUUID().toString();
        String exhausted = UUID.randomUUID().toString();
        String alive = UUID.randomUUID().toString();
        String request = MessageCodec.encode(new RefreshRequested(UUID.randomUUID().toString(), dead, Instant.now(), "production",
                "staging", List.of(), false, "test", null));
        try (Connection c = DriverManager.getConnection(StackTestResource.stack().jdbcUrl("restage"), "postgres", "");
             java.sql.PreparedStatement ps = c.prepareStatement("insert into export_refresh (refresh_id, status, owner, lease_until,"
                     + " attempt, request, validated) values"
                     + " (?, 'RUNNING', 'instance-that-died', now() - interval '1 minute', 1, ?, true),"
                     + " (?, 'RUNNING', 'instance-that-died-too', now() - interval '1 minute', 3, ?, true),"
                     + " (?, 'RUNNING', 'instance-still-working', now() + interval '1 hour', 1, ?, true)")) {
            ps.setString(1, dead);
            ps.setString(2, request);
            ps.setString(3, exhausted);
            ps.setString(4, request.replace(dead, exhausted));
            ps.setString(5, alive);
            ps.setString(6, request.replace(dead, alive));
            ps.executeUpdate();
        }
        try (KafkaProbe kafka = new KafkaProbe(StackTestResource.stack())) {
            // when: this instance sweeps (every third of its lease)
            List<ConsumerRecord<String, byte[]>> events = kafka.readUntil(Topics.REFRESH_EVENTS.name(),
                    recs -> recs.stream().anyMatch(r -> dead.equals(r.key()) && KafkaProbe.text(r).contains("ExportCompleted"))
                            && recs.stream().anyMatch(r -> exhausted.equals(r.key()) && KafkaProbe.text(r).contains("ExportFailed")),
                    Duration.ofSeconds(60));
            List<Event> ofDead = events.stream().filter(r -> dead.equals(r.key()))
                    .map(r -> MessageCodec.decode(KafkaProbe.text(r), Event.class)).toList();
            // then: the first is taken over and read again under snapshot 2, which says so in every event and batch
            ExportReply.ExportRestarted restarted = (ExportReply.ExportRestarted) ofDead.stream()
                    .filter(e -> e instanceof ExportReply.ExportRestarted).findFirst().orElseThrow();
            assertEquals(2, restarted.attempt());
            assertTrue(restarted.reason().contains("stopped and its snapshot is gone"), restarted.reason());
            assertTrue(ofDead.stream().noneMatch(e -> e instanceof ExportReply.PolicyValidated),
                    "the policy verdict was already reported by the first attempt: not twice");
            ExportReply.ExportCompleted done = (ExportReply.ExportCompleted) ofDead.stream()
                    .filter(e -> e instanceof ExportReply.ExportCompleted).findFirst().orElseThrow();
            assertEquals(2, done.attempt());
            assertEquals(2, ((ExportReply.ExportStarted) ofDead.stream().filter(e -> e instanceof ExportReply.ExportStarted)
                    .findFirst().orElseThrow()).attempt());
            assertEquals(ROWS, done.tables().stream().filter(t -> t.table().equals("public.users")).findFirst().orElseThrow().rows());
            String key = Topics.batchKey(dead, "public.users");
            List<ConsumerRecord<String, byte[]>> batches = kafka.readUntil(Topics.BATCHES_EXPORTED.name(),
                    recs -> recs.stream().anyMatch(r -> key.equals(r.key()) && isEnd(r.value(), dead)), Duration.ofSeconds(30));
            List<Integer> attempts = batches.stream().filter(r -> key.equals(r.key()))
                    .map(r -> BatchCodec.header(BatchSeal.open(r.value(), dataKey(dead))).attempt()).distinct().toList();
            assertEquals(List.of(2), attempts, "every batch names the snapshot it was read under");
            // and: the one out of attempts fails with the reason, the live one is left alone
            ExportReply.ExportFailed failed = (ExportReply.ExportFailed) events.stream().filter(r -> exhausted.equals(r.key()))
                    .map(r -> MessageCodec.decode(KafkaProbe.text(r), Event.class)).filter(e -> e instanceof ExportReply.ExportFailed)
                    .findFirst().orElseThrow();
            assertTrue(failed.reason().contains("attempt 3 of 3 stopped and its snapshot is gone: no attempt left"), failed.reason());
            assertTrue(events.stream().noneMatch(r -> alive.equals(r.key())), "another instance's live export is not touched");
        }
        try (Connection c = DriverManager.getConnection(StackTestResource.stack().jdbcUrl("restage"), "postgres", "");
             Statement st = c.createStatement();
             java.sql.ResultSet rs = st.executeQuery("select refresh_id || '=' || status || '/' || attempt from export_refresh"
                     + " where refresh_id in ('" + dead + "', '" + exhausted + "', '" + alive + "') order by status, attempt")) {
            List<String> rows = new java.util.ArrayList<>();
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
            assertEquals(List.of(dead + "=DONE/2", exhausted + "=FAILED/3", alive + "=RUNNING/1"), rows);
        }
    }

    private static boolean isEnd(byte[] sealed, String refreshId) {
        return BatchCodec.header(BatchSeal.open(sealed, dataKey(refreshId))).kind() == BatchHeader.Kind.END;
    }

    @Test
    void shouldRefuseToExportWhenANewColumnLooksPersonalAndHasNoRule() throws Exception {
        String id = UUID.randomUUID().toString();
        try (Connection c = DriverManager.getConnection(StackTestResource.stack().jdbcUrl("production"), "postgres", "");
             Statement st = c.createStatement()) {
            st.execute("alter table users add column mobile_number text"); // schema drift since the policy was written
        }
        try (KafkaProbe kafka = new KafkaProbe(StackTestResource.stack())) {
            kafka.sendSigned(Topics.REFRESH_REQUESTED.name(), new RefreshRequested(UUID.randomUUID().toString(),
                    id, Instant.now(), "production", "staging", List.of(), false, "test", null));
            List<ConsumerRecord<String, byte[]>> events = kafka.readUntil(Topics.REFRESH_EVENTS.name(),
                    recs -> recs.stream().anyMatch(r -> id.equals(r.key()) && KafkaProbe.text(r).contains("PolicyRejected")),
                    Duration.ofSeconds(60));
            List<Event> mine = events.stream().filter(r -> id.equals(r.key()))
                    .map(r -> MessageCodec.decode(KafkaProbe.text(r), Event.class)).toList();
            ExportReply.PolicyRejected rejected = (ExportReply.PolicyRejected) mine.stream()
                    .filter(e -> e instanceof ExportReply.PolicyRejected).findFirst().orElseThrow();
            assertEquals(1, rejected.problems().size(), rejected.problems().toString());
            assertTrue(rejected.problems().get(0).contains("public.users.mobile_number"), rejected.problems().toString());
            // the refusal is published before any table is read, and the export job ends with it
            assertTrue(mine.stream().noneMatch(e -> e instanceof ExportReply.ExportStarted || e instanceof ExportReply.PolicyValidated),
                    "nothing was exported");
        } finally {
            try (Connection c = DriverManager.getConnection(StackTestResource.stack().jdbcUrl("production"), "postgres", "");
                 Statement st = c.createStatement()) {
                st.execute("alter table users drop column mobile_number");
            }
        }
    }

    @Test
    void shouldTellARoleThatCanWriteFromOneThatCanOnlyRead() throws Exception {
        String url = StackTestResource.stack().jdbcUrl("production");
        try (Connection admin = DriverManager.getConnection(url, "postgres", ""); Statement st = admin.createStatement()) {
            st.execute("do $$ begin if not exists (select 1 from pg_roles where rolname = 'half_writer') then"
                    + " create role half_writer login; end if; end $$");
            st.execute("grant select on all tables in schema public to half_writer");
            st.execute("grant update on sessions to half_writer");
            String superuser = io.restage.common.security.SourceAccess.writeAccess(admin);
            assertTrue(superuser != null && superuser.contains("superuser"), superuser);
        }
        try (Connection reader = DriverManager.getConnection(url, "restage_reader", "")) {
            assertEquals(null, io.restage.common.security.SourceAccess.writeAccess(reader), "pg_read_all_data only: reads");
        }
        try (Connection half = DriverManager.getConnection(url, "half_writer", "")) {
            String access = io.restage.common.security.SourceAccess.writeAccess(half);
            assertTrue(access != null && access.contains("public.sessions") && access.contains("1 table"), access);
        }
    }

    @Test
    void shouldActOnASignedMessageOnceAndRefuseUnsignedStaleOrReKeyedOnes() throws Exception {
        org.postgresql.ds.PGSimpleDataSource ds = new org.postgresql.ds.PGSimpleDataSource();
        ds.setURL(StackTestResource.stack().jdbcUrl("restage"));
        ds.setUser("postgres");
        io.restage.common.security.MessageSignatures sig = new io.restage.common.security.MessageSignatures(
                new io.restage.common.config.Secret(StackTestResource.MESSAGE_KEY), Duration.ofMinutes(10));
        io.restage.common.security.ReplayGuard guard = new io.restage.common.security.ReplayGuard(ds, "test-" + UUID.randomUUID(),
                Duration.ofMinutes(10));
        io.restage.common.security.SignedIntake intake = new io.restage.common.security.SignedIntake(sig, guard);
        String id = UUID.randomUUID().toString();
        Command cancel = new Command.CancelExport(UUID.randomUUID().toString(), id, Instant.now());
        String value = MessageCodec.encode(cancel);
        var s1 = sig.sign("refresh.commands", id, value);
        // first time: accepted; once done, the same event id is a duplicate, however freshly it is signed again
        assertTrue(intake.receive("refresh.commands", id, s1.sentAt(), s1.value(), value, Command.class)
                instanceof io.restage.common.security.SignedIntake.Received.Accepted<Command>);
        intake.done(cancel);
        var s2 = sig.sign("refresh.commands", id, value);
        assertTrue(intake.receive("refresh.commands", id, s2.sentAt(), s2.value(), value, Command.class)
                instanceof io.restage.common.security.SignedIntake.Received.Duplicate<Command>);
        // a valid signature on a record whose key is another refresh's: the message names another refresh
        String other = UUID.randomUUID().toString();
        var s3 = sig.sign("refresh.commands", other, value);
        var rekeyed = intake.receive("refresh.commands", other, s3.sentAt(), s3.value(), value, Command.class);
        assertTrue(rekeyed instanceof io.restage.common.security.SignedIntake.Received.Refused<Command> r
                && r.reason().contains("differs from its record key"), rekeyed.toString());
        // unsigned
        var unsigned = intake.receive("refresh.commands", id, null, null, value, Command.class);
        assertTrue(unsigned instanceof io.restage.common.security.SignedIntake.Received.Refused<Command> r
                && r.reason().contains("unsigned") && r.messageType().equals("CancelExport"), unsigned.toString());
    }

    @Test
    void shouldNotDestroyAKeyOnAForgedShredCommand() throws Exception {
        String id = UUID.randomUUID().toString();
        keys().create(id);
        try (KafkaProbe kafka = new KafkaProbe(StackTestResource.stack())) {
            // unsigned, and signed with a guessed key: the export reports both and keeps the refresh's key
            Command.ShredRefreshData shred = new Command.ShredRefreshData(UUID.randomUUID().toString(), id, Instant.now());
            kafka.send(Topics.REFRESH_COMMANDS.name(), id, MessageCodec.encode(shred));
            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), shred, "a-guessed-key-0123456789abcdef0123456789");
            List<ConsumerRecord<String, byte[]>> events = kafka.readUntil(Topics.REFRESH_EVENTS.name(),
                    recs -> recs.stream().filter(r -> id.equals(r.key()) && KafkaProbe.text(r).contains("MessageRefused")
                            && KafkaProbe.text(r).contains("export-service")).count() >= 2, Duration.ofSeconds(60));
            assertTrue(events.stream().noneMatch(r -> id.equals(r.key()) && KafkaProbe.text(r).contains("RefreshDataShredded")));
        }
        assertTrue(keys().get(id).isPresent(), "the key is still there");
    }
}
