package io.restage.importer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restage.common.Topics;
import io.restage.common.batch.BatchCodec;
import io.restage.common.batch.BatchHeader;
import io.restage.common.batch.Checksums;
import io.restage.common.batch.Column;
import io.restage.common.messages.Command;
import io.restage.common.messages.Event;
import io.restage.common.messages.ExportReply;
import io.restage.common.messages.ImportReply;
import io.restage.common.messages.MessageCodec;
import io.restage.common.messages.RefreshRequested;
import io.restage.common.messages.TableCount;
import io.restage.stack.testing.KafkaProbe;
import io.restage.stack.testing.StackTestResource;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@QuarkusTest
@QuarkusTestResource(StackTestResource.class)
class ImportServiceTest {
    /** The fingerprint of the policy the services under test run (every batch is stamped with it). */
    static String policyFp() {
        String file = org.eclipse.microprofile.config.ConfigProvider.getConfig().getValue("restage.config-file", String.class);
        return io.restage.common.policy.PolicyFingerprint.of(io.restage.common.config.RestageConfigLoader
                .load(java.nio.file.Path.of(file)).policyFor("production"));
    }

    private static final Instant SNAPSHOT = Instant.parse("2020-06-01T12:00:00Z");
    private static final List<Column> COLS = List.of(new Column("id", "bigint"), new Column("email", "text"),
            new Column("updated_at", "timestamp with time zone"), new Column("legacy", "text"));

    @BeforeEach
    void staleTarget() throws Exception {
        sql("drop table if exists users cascade", "drop table if exists import_export_audit", "drop table if exists leftovers",
                "drop schema if exists restage cascade",
                "create table users (id bigserial primary key, email text not null unique, updated_at timestamptz not null,"
                        + " nickname text default 'n/a')",
                "create function touch() returns trigger language plpgsql as $$ begin new.updated_at = now(); return new; end $$",
                "create trigger touch before insert or update on users for each row execute function touch()",
                "create table import_export_audit (id serial primary key, action text)",
                "create table leftovers (id int primary key)",
                "insert into users (email, updated_at) values ('stale1@x.test', now()), ('stale2@x.test', now())",
                "insert into import_export_audit (action) values ('staging-only audit row')",
                "insert into leftovers values (1)");
    }

    private static void sql(String... statements) throws Exception {
        try (Connection c = DriverManager.getConnection(StackTestResource.stack().jdbcUrl("staging"), "postgres", "");
             Statement st = c.createStatement()) {
            for (String s : statements) {
                if (s.startsWith("create function")) {
                    st.execute("drop function if exists touch() cascade");
                }
                st.execute(s);
            }
        }
    }

    private static void execute(String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(StackTestResource.stack().jdbcUrl("staging"), "postgres", "");
             Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private static String query(String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(StackTestResource.stack().jdbcUrl("staging"), "postgres", "");
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            StringBuilder sb = new StringBuilder();
            while (rs.next()) {
                sb.append(rs.getString(1)).append(';');
            }
            return sb.toString();
        }
    }

    private static byte[] clean(String id, long seq, byte[] rows, long adminMatches) {
        return BatchCodec.encode(BatchHeader.rows(id, "public.users", seq, count(rows),
                COLS, Checksums.of(rows), List.of()).withPolicy(policyFp()).anonymized(Checksums.of(rows), adminMatches, null), rows);
    }

    private static long count(byte[] rows) {
        long n = 0;
        for (byte b : rows) {
            n += b == '\n' ? 1 : 0;
        }
        return n;
    }

    private static Event awaitEvent(KafkaProbe kafka, String id, Class<? extends Event> type) {
        List<ConsumerRecord<String, byte[]>> recs = kafka.readUntil(Topics.REFRESH_EVENTS.name(),
                rs -> rs.stream().anyMatch(r -> id.equals(r.key()) && type.isInstance(MessageCodec.decode(KafkaProbe.text(r), Event.class))),
                Duration.ofSeconds(60));
        return recs.stream().filter(r -> id.equals(r.key())).map(r -> MessageCodec.decode(KafkaProbe.text(r), Event.class))
                .filter(type::isInstance).findFirst().orElseThrow();
    }

    /** The request of a refresh production -> staging, as the orchestrator sends it. */
    private static void requestRefresh(KafkaProbe kafka, String id) {
        kafka.sendSigned(Topics.REFRESH_REQUESTED.name(), new RefreshRequested(UUID.randomUUID().toString(),
                id, Instant.now(), "production", "staging", List.of(), false, "tester", null));
    }

    /** A refresh of public.users whose one batch is {@code rows}, staged and proven complete. */
    private static void stageOneBatch(KafkaProbe kafka, String id, byte[] rows) {
        String key = Topics.batchKey(id, "public.users");
        requestRefresh(kafka, id);
        kafka.sendSignedBatch(Topics.BATCHES_ANONYMIZED.name(), key, clean(id, 0, rows, 1));
        kafka.sendSignedBatch(Topics.BATCHES_ANONYMIZED.name(), key, BatchCodec.encode(BatchHeader.end(id, "public.users", 1, COLS, 1,
                Checksums.of(rows), List.of()).withPolicy(policyFp()).anonymized(0, 0, null), null, 0));
        kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.StageTables(UUID.randomUUID().toString(),
                id, Instant.now(), "staging", List.of("public.users"), 1));
        awaitEvent(kafka, id, ImportReply.StagingCompleted.class);
    }

    @Test
    void shouldStageWithoutTouchingLiveTablesThenSwapInOneTransaction() throws Exception {
        String id = UUID.randomUUID().toString();
        String key = Topics.batchKey(id, "public.users");
        byte[] b0 = "1\tadmin@staging.invalid\t2020-01-01 00:00:00+00\told\n2\tu2@staging.invalid\t2020-01-02 00:00:00+00\t\\N\n".getBytes(StandardCharsets.UTF_8);
        byte[] b1 = "40\tu40@staging.invalid\t2020-01-03 00:00:00+00\tx\n".getBytes(StandardCharsets.UTF_8);
        try (KafkaProbe kafka = new KafkaProbe(StackTestResource.stack())) {
            requestRefresh(kafka, id);
            kafka.sendSignedBatch(Topics.BATCHES_ANONYMIZED.name(), key, clean(id, 0, b0, 1));
            kafka.sendSignedBatch(Topics.BATCHES_ANONYMIZED.name(), key, clean(id, 0, b0, 1)); // redelivered
            kafka.sendSignedBatch(Topics.BATCHES_ANONYMIZED.name(), key, clean(id, 1, b1, 0));
            kafka.sendSignedBatch(Topics.BATCHES_ANONYMIZED.name(), key, BatchCodec.encode(BatchHeader.end(id, "public.users", 3, COLS, 2,
                    Checksums.of(b0) + Checksums.of(b1), List.of()).withPolicy(policyFp()).anonymized(0, 0, null), null, 0));
            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.StageTables(UUID.randomUUID().toString(),
                    id, Instant.now(), "staging", List.of("public.users"), 1));

            ImportReply.StagingCompleted staged = (ImportReply.StagingCompleted) awaitEvent(kafka, id, ImportReply.StagingCompleted.class);
            assertEquals(List.of(new TableCount("public.users", 3)), staged.staged());
            assertEquals(List.of("public.users.legacy"), staged.droppedColumns());
            assertEquals(List.of("public.users.nickname"), staged.defaultedColumns());
            assertEquals(List.of("public.leftovers"), staged.missingTables());
            assertEquals("stale1@x.test;stale2@x.test;", query("select email from users order by id"), "live tables untouched while staging");

            Command.CommitImport commit = new Command.CommitImport(UUID.randomUUID().toString(), id, Instant.now(), "production",
                    "staging", "tester", List.of(), List.of("public.users.email:email"), SNAPSHOT);
            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), commit);
            awaitEvent(kafka, id, ImportReply.ImportCommitted.class);
        }
        assertEquals("1|admin@staging.invalid|2020-01-01 00:00:00+00|n/a;2|u2@staging.invalid|2020-01-02 00:00:00+00|n/a;"
                        + "40|u40@staging.invalid|2020-01-03 00:00:00+00|n/a;",
                query("select id || '|' || email || '|' || updated_at || '|' || nickname from users order by id"),
                "ids preserved, the trigger did not fire, target-only columns defaulted");
        assertEquals("41;", query("select nextval('users_id_seq')"), "the sequence is past the max");
        assertEquals("staging-only audit row;", query("select action from import_export_audit"));
        assertEquals("0;", query("select count(*) from leftovers"), "tables only in the target are emptied");
        assertEquals("tester;", query("select requested_by from restage.refresh_audit where refresh_id = '" + id + "'"));
        assertEquals("", query("select nspname from pg_namespace where nspname like 'restage_stage_%'"));
        assertEquals(id + "|production|" + SNAPSHOT.getEpochSecond() + "|true;", query("select refresh_id || '|' || source || '|'"
                + " || extract(epoch from snapshot_at)::bigint || '|' || fully_anonymized from restage.marker"),
                "the staging marker names the refresh now in the target");
        execute("do $$ begin if not exists (select 1 from pg_roles where rolname = 'marker_app') then create role marker_app; end if; end $$");
        assertEquals("true|true|false;", query("select has_schema_privilege('marker_app', 'restage', 'usage') || '|'"
                + " || has_table_privilege('marker_app', 'restage.marker', 'select') || '|'"
                + " || has_table_privilege('marker_app', 'restage.refresh_audit', 'select')"),
                "any role of the target reads the marker, not the audit");
    }

    /** What an end marker can disagree with: the checksum, the row count, the batch numbering. */
    enum Loss { CHECKSUM, ROW_COUNT, BATCH_SEQUENCE }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Loss.class)
    void shouldFailStagingWhenRowsAreMissingAndDiscardEverythingStaged(Loss loss) throws Exception {
        String id = UUID.randomUUID().toString();
        String key = Topics.batchKey(id, "public.users");
        byte[] b0 = "1\tadmin@staging.invalid\t2020-01-01 00:00:00+00\tx\n".getBytes(StandardCharsets.UTF_8);
        byte[] b1 = "2\tu2@staging.invalid\t2020-01-01 00:00:00+00\tx\n".getBytes(StandardCharsets.UTF_8);
        try (KafkaProbe kafka = new KafkaProbe(StackTestResource.stack())) {
            requestRefresh(kafka, id);
            kafka.sendSignedBatch(Topics.BATCHES_ANONYMIZED.name(), key, clean(id, 0, b0, 1));
            BatchHeader end = switch (loss) {
                // the rows are all there, but one of them is not the one exported
                case CHECKSUM -> BatchHeader.end(id, "public.users", 1, COLS, 1, Checksums.of(b0) + 1, List.of());
                // the export counted a second row that never arrived in any batch
                case ROW_COUNT -> BatchHeader.end(id, "public.users", 2, COLS, 1, Checksums.of(b0), List.of());
                // batch 1 of 0..1 was lost and a batch numbered 2 arrived instead
                case BATCH_SEQUENCE -> BatchHeader.end(id, "public.users", 2, COLS, 2, Checksums.of(b0) + Checksums.of(b1), List.of());
            };
            if (loss == Loss.BATCH_SEQUENCE) {
                kafka.sendSignedBatch(Topics.BATCHES_ANONYMIZED.name(), key, clean(id, 2, b1, 0));
            }
            kafka.sendSignedBatch(Topics.BATCHES_ANONYMIZED.name(), key, BatchCodec.encode(end.withPolicy(policyFp())
                    .anonymized(0, 0, null), null, 0));
            ImportReply.StagingFailed failed = (ImportReply.StagingFailed) awaitEvent(kafka, id, ImportReply.StagingFailed.class);
            String expected = switch (loss) {
                case CHECKSUM -> "checksum";
                case ROW_COUNT -> "1 rows staged but the export counted 2";
                case BATCH_SEQUENCE -> "2 batches staged (numbered up to 2) but the export sent 2 (numbered 0 to 1)";
            };
            assertTrue(failed.reason().contains(expected), failed.reason());
            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.DiscardStaging(UUID.randomUUID().toString(),
                    id, Instant.now(), "staging"));
            awaitEvent(kafka, id, ImportReply.StagingDiscarded.class);
        }
        assertEquals("", query("select nspname from pg_namespace where nspname like 'restage_stage_%'"));
        assertEquals("stale1@x.test;stale2@x.test;", query("select email from users order by id"));
    }

    @Test
    void shouldStageOnlyTheLatestExportSnapshotDroppingWhatAnEarlierOneStagedAndItsLateBatches() throws Exception {
        String id = UUID.randomUUID().toString();
        String key = Topics.batchKey(id, "public.users");
        byte[] first = "1\tadmin@staging.invalid\t2020-01-01 00:00:00+00\told\n2\tgone@staging.invalid\t2020-01-02 00:00:00+00\t\\N\n"
                .getBytes(StandardCharsets.UTF_8);
        byte[] second = "1\tadmin@staging.invalid\t2020-01-01 00:00:00+00\tnew\n".getBytes(StandardCharsets.UTF_8);
        byte[] third = "7\tu7@staging.invalid\t2020-01-07 00:00:00+00\t\\N\n".getBytes(StandardCharsets.UTF_8);
        try (KafkaProbe kafka = new KafkaProbe(StackTestResource.stack())) {
            requestRefresh(kafka, id);
            // given: snapshot 1 staged its first batch (and would have said the table holds 2 batches), then its instance died
            kafka.sendSignedBatch(Topics.BATCHES_ANONYMIZED.name(), key, clean(id, 0, first, 1));
            kafka.sendSignedBatch(Topics.BATCHES_ANONYMIZED.name(), key, BatchCodec.encode(BatchHeader.end(id, "public.users", 2, COLS, 1,
                    Checksums.of(first), List.of()).withPolicy(policyFp()).anonymized(0, 0, null), null, 0));
            org.awaitility.Awaitility.await().ignoreExceptions().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> query("select count(*) from " + io.restage.importer.staging.StagingArea.schemaFor(id) + "._batches where source_table = 'public.users'")
                            .equals("1;"));
            // when: snapshot 2 sends the same batch numbers with other rows, and a batch of snapshot 1 arrives late in between
            kafka.sendSignedBatch(Topics.BATCHES_ANONYMIZED.name(), key, cleanOf(id, 0, second, 1, 2));
            kafka.sendSignedBatch(Topics.BATCHES_ANONYMIZED.name(), key, clean(id, 1, third, 0));
            kafka.sendSignedBatch(Topics.BATCHES_ANONYMIZED.name(), key, cleanOf(id, 1, third, 0, 2));
            kafka.sendSignedBatch(Topics.BATCHES_ANONYMIZED.name(), key, BatchCodec.encode(BatchHeader.end(id, "public.users", 2, COLS, 2,
                    Checksums.of(second) + Checksums.of(third), List.of()).withPolicy(policyFp()).withAttempt(2).anonymized(0, 0, null), null, 0));
            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.StageTables(UUID.randomUUID().toString(),
                    id, Instant.now(), "staging", List.of("public.users"), 2));
            // then: staging completes with snapshot 2's rows only: none of snapshot 1 mixed in, none counted twice
            ImportReply.StagingCompleted staged = (ImportReply.StagingCompleted) awaitEvent(kafka, id, ImportReply.StagingCompleted.class);
            assertEquals(List.of(new TableCount("public.users", 2)), staged.staged());
            String stage = io.restage.importer.staging.StagingArea.schemaFor(id);
            String table = query("select stage_table from " + stage + "._tables where source_table = 'public.users'").replace(";", "");
            assertEquals("1|new;7|;", query("select id || '|' || coalesce(legacy, '') from " + stage + "." + table + " order by id"));
            assertEquals("2;", query("select attempt from " + stage + "._meta"));
            // staged rows and the audit's tables are written once and dropped: autovacuum leaves them alone
            String off = "|{autovacuum_enabled=false};";
            assertEquals("_leak_cols" + off + "_leak_fp" + off + "_leak_probe" + off + "_leak_seen" + off + "_parts" + off + table + off,
                    query("select c.relname || '|' || coalesce(c.reloptions::text, '') from pg_class c join pg_namespace n"
                            + " on n.oid = c.relnamespace where n.nspname = '" + stage + "' and c.relkind = 'r'"
                            + " and c.relpersistence = 'u' order by c.relname"));
            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.DiscardStaging(UUID.randomUUID().toString(), id, Instant.now(), "staging"));
            awaitEvent(kafka, id, ImportReply.StagingDiscarded.class);
        }
    }

    /** A clean batch of export snapshot {@code attempt}. */
    private static byte[] cleanOf(String id, long seq, byte[] rows, long adminMatches, int attempt) {
        return BatchCodec.encode(BatchHeader.rows(id, "public.users", seq, count(rows), COLS, Checksums.of(rows), List.of())
                .withPolicy(policyFp()).withAttempt(attempt).anonymized(Checksums.of(rows), adminMatches, null), rows);
    }

    @Test
    void shouldAnswerADiscardOfAnUnknownRefreshAndStageNothingOfItThatArrivesLater() throws Exception {
        String id = UUID.randomUUID().toString();
        byte[] b0 = "1\tadmin@staging.invalid\t2020-01-01 00:00:00+00\tx\n".getBytes(StandardCharsets.UTF_8);
        try (KafkaProbe kafka = new KafkaProbe(StackTestResource.stack())) {
            // the compensation overtakes the refresh it compensates (cancel right after the start)
            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.DiscardStaging(UUID.randomUUID().toString(),
                    id, Instant.now(), "staging"));
            awaitEvent(kafka, id, ImportReply.StagingDiscarded.class);
            requestRefresh(kafka, id);
            kafka.sendSignedBatch(Topics.BATCHES_ANONYMIZED.name(), Topics.batchKey(id, "public.users"), clean(id, 0, b0, 1));
            // the importer has read and handled the late request and batch
            kafka.awaitConsumed("restage-import-batches-anonymized", Topics.BATCHES_ANONYMIZED.name(), Duration.ofSeconds(60));
        }
        assertEquals("", query("select nspname from pg_namespace where nspname = 'restage_stage_" + id.replace("-", "") + "'"),
                "no orphan staging schema for a discarded refresh");
    }

    @Test
    void shouldMoveACommandItCanNeverProcessToTheDeadLetterTopicAndFailItsRefreshWithTheReason() throws Exception {
        String id = UUID.randomUUID().toString();
        String state = StackTestResource.stack().jdbcUrl("restage");
        // given: the import service's own ledger is broken (a permanent failure: no retry can help)
        try (Connection c = DriverManager.getConnection(state, "postgres", ""); Statement st = c.createStatement()) {
            st.execute("alter table import_refresh rename to import_refresh_broken");
        }
        try (KafkaProbe kafka = new KafkaProbe(StackTestResource.stack())) {
            // when: a signed command for a refresh arrives
            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.DiscardStaging(UUID.randomUUID().toString(),
                    id, Instant.now(), "staging"));
            // then: the orchestrator hears why, and the record is kept on the dead-letter topic as it arrived
            io.restage.common.messages.MessageDeadLettered dead = (io.restage.common.messages.MessageDeadLettered)
                    awaitEvent(kafka, id, io.restage.common.messages.MessageDeadLettered.class);
            assertEquals("import-service", dead.service());
            assertEquals("DiscardStaging", dead.messageType());
            assertTrue(dead.reason().startsWith("import-service could not process a DiscardStaging from refresh.commands"
                    + " (moved to refresh.dead-letter)"), dead.reason());
            assertTrue(dead.reason().contains("import_refresh"), dead.reason());
            List<ConsumerRecord<String, byte[]>> letters = kafka.readUntil(Topics.REFRESH_DEAD_LETTER.name(),
                    rs -> rs.stream().anyMatch(r -> id.equals(r.key())), Duration.ofSeconds(60));
            ConsumerRecord<String, byte[]> letter = letters.stream().filter(r -> id.equals(r.key())).findFirst().orElseThrow();
            assertTrue(KafkaProbe.text(letter).contains("\"type\":\"DiscardStaging\""), "the record as it arrived");
        } finally {
            try (Connection c = DriverManager.getConnection(state, "postgres", ""); Statement st = c.createStatement()) {
                st.execute("alter table import_refresh_broken rename to import_refresh");
            }
        }
    }

    @Test
    void shouldCommitExactlyOnceWhenTheTargetConnectionIsDroppedInsideTheCommit() throws Exception {
        String id = UUID.randomUUID().toString();
        byte[] b0 = "7\tadmin@staging.invalid\t2020-01-01 00:00:00+00\tx\n".getBytes(StandardCharsets.UTF_8);
        String url = StackTestResource.stack().jdbcUrl("staging");
        try (KafkaProbe kafka = new KafkaProbe(StackTestResource.stack());
             Connection blocker = DriverManager.getConnection(url, "postgres", "")) {
            stageOneBatch(kafka, id, b0);
            // given: the commit is inside its transaction, waiting for a lock the target's own session holds
            blocker.setAutoCommit(false);
            try (Statement st = blocker.createStatement()) {
                st.executeQuery("select count(*) from users").close();
            }
            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.CommitImport(UUID.randomUUID().toString(), id,
                    Instant.now(), "production", "staging", "tester", List.of(), List.of(), Instant.now()));
            String waiting = "select a.pid from pg_locks l join pg_stat_activity a on a.pid = l.pid"
                    + " where not l.granted and a.application_name like 'restage-import%'";
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> !query(waiting).isEmpty());
            // when: its connection is dropped there (as a failover or a network cut would)
            String pid = query(waiting).split(";")[0];
            assertEquals("t;", query("select pg_terminate_backend(" + pid + ")"));
            blocker.rollback();
            // then: a retry commits, once, and the importer says so
            ImportReply.ImportCommitted committed = (ImportReply.ImportCommitted) awaitEvent(kafka, id, ImportReply.ImportCommitted.class);
            assertEquals(List.of(new TableCount("public.users", 1)), committed.imported());
        }
        assertEquals("1;", query("select count(*) from restage.refresh_audit where refresh_id = '" + id + "'"), "committed exactly once");
        assertEquals("7|admin@staging.invalid;", query("select id || '|' || email from users order by id"));
    }

    @Test
    void shouldFailStagingWhenACrashOfTheTargetEmptiedTheUnloggedStagingTables() throws Exception {
        String id = UUID.randomUUID().toString();
        String key = Topics.batchKey(id, "public.users");
        String schema = io.restage.importer.staging.StagingArea.schemaFor(id);
        byte[] b0 = "1\tadmin@staging.invalid\t2020-01-01 00:00:00+00\tx\n".getBytes(StandardCharsets.UTF_8);
        try (KafkaProbe kafka = new KafkaProbe(StackTestResource.stack())) {
            requestRefresh(kafka, id);
            kafka.sendSignedBatch(Topics.BATCHES_ANONYMIZED.name(), key, clean(id, 0, b0, 1));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() ->
                    query("select count(*) from pg_namespace where nspname = '" + schema + "'").equals("1;")
                            && query("select count(*) from " + schema + "._batches").equals("1;"));
            // given: what crash recovery of the target leaves behind (PostgreSQL empties every unlogged table and the
            // server comes back with a new start time), done by hand: the ledger still lists the staged batch
            String stageTable = query("select stage_table from " + schema + "._tables").replace(";", "");
            sql("truncate " + schema + "." + stageTable,
                    "update " + schema + "._meta set server_started_at = server_started_at - interval '1 hour'");
            // when: the table's end marker and the table list arrive
            kafka.sendSignedBatch(Topics.BATCHES_ANONYMIZED.name(), key, BatchCodec.encode(BatchHeader.end(id, "public.users", 1, COLS, 1,
                    Checksums.of(b0), List.of()).withPolicy(policyFp()).anonymized(0, 0, null), null, 0));
            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.StageTables(UUID.randomUUID().toString(),
                    id, Instant.now(), "staging", List.of("public.users"), 1));
            // then: staging fails saying why, instead of proving rows complete that are gone
            ImportReply.StagingFailed failed = (ImportReply.StagingFailed) awaitEvent(kafka, id, ImportReply.StagingFailed.class);
            assertTrue(failed.reason().contains("restarted during staging") && failed.reason().contains("start the refresh again"),
                    failed.reason());
            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.DiscardStaging(UUID.randomUUID().toString(),
                    id, Instant.now(), "staging"));
            awaitEvent(kafka, id, ImportReply.StagingDiscarded.class);
        }
        assertEquals("stale1@x.test;stale2@x.test;", query("select email from users order by id"));
    }

    @Test
    void shouldLeaveEverySequenceExactlyAsItWasWhenTheTransactionRollsBack() throws Exception {
        sql("drop table if exists seq_probe", "create table seq_probe (id bigserial primary key, n int)",
                "insert into seq_probe (n) select g from generate_series(1, 40) g", "select setval('seq_probe_id_seq', 45)");
        try (Connection c = DriverManager.getConnection(StackTestResource.stack().jdbcUrl("staging"), "postgres", "")) {
            c.setAutoCommit(false);
            io.restage.importer.commit.SequencesAccess.restartPastMax(c, "seq_probe_id_seq", "(select max(id) from seq_probe)");
            c.rollback();
        }
        assertEquals("46;", query("select nextval('seq_probe_id_seq')"), "a rolled-back restart leaves the position as it was");
        try (Connection c = DriverManager.getConnection(StackTestResource.stack().jdbcUrl("staging"), "postgres", "")) {
            c.setAutoCommit(false);
            io.restage.importer.commit.SequencesAccess.restartPastMax(c, "seq_probe_id_seq", "(select max(id) from seq_probe)");
            c.commit();
        }
        assertEquals("41;", query("select nextval('seq_probe_id_seq')"), "a committed restart sets it just past the max");
    }

    @Test
    void shouldNeverQueueTheTargetsQueriesBehindAWaitingCommitLongerThanItsLockTimeout() throws Exception {
        String id = UUID.randomUUID().toString();
        byte[] b0 = "1\tadmin@staging.invalid\t2020-01-01 00:00:00+00\tx\n".getBytes(StandardCharsets.UTF_8);
        String url = StackTestResource.stack().jdbcUrl("staging");
        try (KafkaProbe kafka = new KafkaProbe(StackTestResource.stack());
             Connection blocker = DriverManager.getConnection(url, "postgres", "");
             Connection reader = DriverManager.getConnection(url, "postgres", "")) {
            stageOneBatch(kafka, id, b0);
            // given: a session of the target's own reading users, holding ACCESS SHARE through the commit
            blocker.setAutoCommit(false);
            try (Statement st = blocker.createStatement()) {
                st.executeQuery("select count(*) from users").close();
            }
            // when: the commit starts and queues for ACCESS EXCLUSIVE behind it
            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.CommitImport(UUID.randomUUID().toString(), id,
                    Instant.now(), "production", "staging", "tester", List.of(), List.of(), Instant.now()));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> !query("select 1 from pg_locks l"
                    + " join pg_stat_activity a on a.pid = l.pid where not l.granted and a.application_name like 'restage-import%'").isEmpty());
            // then: another session of the target still reads users, waiting at most the commit's lock timeout (2 s)
            // each time the commit queues, far below this statement timeout; without a lock timeout it would wait for
            // the blocker, that is, forever
            try (Statement st = reader.createStatement()) {
                st.execute("set statement_timeout = '20s'");
                try (ResultSet rs = st.executeQuery("select count(*) from users")) {
                    rs.next();
                    assertEquals(2, rs.getLong(1), "the target still holds its previous data while the commit waits");
                }
            }
            // and: once the blocker ends, a retry of the commit goes through
            blocker.rollback();
            awaitEvent(kafka, id, ImportReply.ImportCommitted.class);
        }
        assertEquals("admin@staging.invalid;", query("select email from users order by id"));
    }

    @Test
    void shouldNeverWriteIntoAnEnvironmentThatDoesNotAllowImportsWhateverTheMessagesSay() throws Exception {
        // given: production's tables as they are
        String prod = StackTestResource.stack().jdbcUrl("production");
        String before = fingerprint(prod);
        String forged = UUID.randomUUID().toString();
        String signed = UUID.randomUUID().toString();
        try (KafkaProbe kafka = new KafkaProbe(StackTestResource.stack())) {
            // when: someone with broker access writes a request and a commit naming production, unsigned
            kafka.send(Topics.REFRESH_REQUESTED.name(), forged, MessageCodec.encode(new RefreshRequested(UUID.randomUUID().toString(),
                    forged, Instant.now(), "staging", "production", List.of(), false, "mallory", null)));
            kafka.send(Topics.REFRESH_COMMANDS.name(), forged, MessageCodec.encode(new Command.CommitImport(UUID.randomUUID().toString(),
                    forged, Instant.now(), "staging", "production", "mallory", List.of(), List.of(), null)));
            kafka.send(Topics.BATCHES_ANONYMIZED.name(), Topics.batchKey(forged, "public.users"),
                    BatchCodec.encode(BatchHeader.rows(forged, "public.users", 0, 1, COLS, Checksums.of(new byte[0]), List.of())
                            .anonymized(Checksums.of(new byte[0]), 0, null), new byte[0]));
            // and even signed ones (a compromised orchestrator): the import service checks its own configuration
            kafka.sendSigned(Topics.REFRESH_REQUESTED.name(), new RefreshRequested(UUID.randomUUID().toString(), signed,
                    Instant.now(), "staging", "production", List.of(), false, "mallory", null));
            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.CommitImport(UUID.randomUUID().toString(), signed,
                    Instant.now(), "staging", "production", "mallory", List.of(), List.of(), null));
            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.UndoImport(UUID.randomUUID().toString(), signed,
                    Instant.now(), "production", "mallory"));
            // then: each is refused and reported, and the signed commit and undo fail without touching anything
            ImportReply.CommitFailed commit = (ImportReply.CommitFailed) awaitEvent(kafka, signed, ImportReply.CommitFailed.class);
            assertTrue(commit.reason().contains("does not allow imports"), commit.reason());
            ImportReply.UndoFailed undo = (ImportReply.UndoFailed) awaitEvent(kafka, signed, ImportReply.UndoFailed.class);
            assertTrue(undo.reason().contains("does not allow imports"), undo.reason());
            List<ConsumerRecord<String, byte[]>> events = kafka.readUntil(Topics.REFRESH_EVENTS.name(),
                    rs -> rs.stream().filter(r -> (forged.equals(r.key()) || signed.equals(r.key()))
                            && KafkaProbe.text(r).contains("MessageRefused")).count() >= 5, Duration.ofSeconds(60));
            assertTrue(events.stream().anyMatch(r -> forged.equals(r.key()) && KafkaProbe.text(r).contains("unsigned")));
            assertTrue(events.stream().noneMatch(r -> forged.equals(r.key()) && KafkaProbe.text(r).contains("CommitFailed")),
                    "an unsigned commit gets no reply that could move a saga");
        }
        assertEquals(before, fingerprint(prod), "production is exactly as before");
        try (Connection c = DriverManager.getConnection(StackTestResource.stack().jdbcUrl("restage"), "postgres", "");
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select count(*) from import_refresh where refresh_id in ('" + forged + "', '" + signed + "')")) {
            rs.next();
            assertEquals(0, rs.getInt(1), "neither refresh was registered, so none of its batches is ever staged");
        }
    }

    /** Every table of the database with a checksum of its rows, and restage's schemas: any write changes it. */
    private static String fingerprint(String url) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (String t : query(url, "select string_agg(format('%I.%I', schemaname, relname), ',' order by 1) from pg_stat_user_tables")
                .split(",")) {
            sb.append(t).append('=').append(query(url, "select count(*) || '/' || coalesce(md5(string_agg(x::text, ',' order by x::text)), '')"
                    + " from " + t + " x")).append(';');
        }
        return sb + "|" + query(url, "select count(*) from pg_namespace where nspname like 'restage%'");
    }

    private static String query(String url, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void shouldNormaliseInTheTargetExactlyAsTheServiceDoesSoTheServiceFingerprintsTheSameWithoutTheKeyEverReachingIt() throws Exception {
        for (String v : List.of("Jane.Doe@Corp.Example", "  MÜLLER straße\t\n", "+49 30 1234567", "ÉMILE ZOLA", "x".repeat(5000),
                "\r\n TAB\tinside\r\n", "😀 Emoji@Mail.Example ")) {
            String normalized;
            try (Connection c = DriverManager.getConnection(StackTestResource.stack().jdbcUrl("staging"), "postgres", "");
                 java.sql.PreparedStatement ps = c.prepareStatement("select " + io.restage.common.policy.LeakFingerprints.sqlNormalized("?::text"))) {
                ps.setString(1, v);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    normalized = rs.getString(1);
                }
            }
            assertEquals(io.restage.common.policy.LeakFingerprints.normalize(v), normalized, v);
        }
        assertFalse(io.restage.common.policy.LeakFingerprints.sqlNormalized("v").contains("?"), "the SQL takes no key");
    }

    /** The production policy's secret, from the service's configuration file. */
    private static String productionSecret() throws Exception {
        String file = org.eclipse.microprofile.config.ConfigProvider.getConfig().getValue("restage.config-file", String.class);
        return io.restage.common.config.RestageConfigLoader.load(java.nio.file.Path.of(file)).policyFor("production")
                .secret().reveal();
    }

    /**
     * A refresh of public.users whose one clean batch holds {@code rows} (with the anonymizer's {@code fingerprints},
     * or none), staged; returns the StagingFailed it must end in.
     */
    private static ImportReply.StagingFailed stageExpectingFailure(KafkaProbe kafka, String id, byte[] rows, String fingerprints) {
        String key = Topics.batchKey(id, "public.users");
        kafka.sendSigned(Topics.REFRESH_REQUESTED.name(), new RefreshRequested(UUID.randomUUID().toString(), id, Instant.now(),
                "production", "staging", List.of(), false, "test", null));
        kafka.sendSignedBatch(Topics.BATCHES_ANONYMIZED.name(), key, BatchCodec.encode(BatchHeader.rows(id, "public.users", 0, 1,
                COLS, Checksums.of(rows), List.of()).withPolicy(policyFp()).anonymized(Checksums.of(rows), 1, fingerprints), rows));
        kafka.sendSignedBatch(Topics.BATCHES_ANONYMIZED.name(), key, BatchCodec.encode(BatchHeader.end(id, "public.users", 1, COLS, 1,
                Checksums.of(rows), List.of()).withPolicy(policyFp()).anonymized(0, 0, null), null, 0));
        kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.StageTables(UUID.randomUUID().toString(),
                id, Instant.now(), "staging", List.of("public.users"), 1));
        return (ImportReply.StagingFailed) awaitEvent(kafka, id, ImportReply.StagingFailed.class);
    }

    @Test
    void shouldConvertTheBinaryFingerprintsOfAnAreaAnEarlierReleaseStartedAndStillFindTheLeak() throws Exception {
        // given: a refresh whose staging area an earlier release created (fingerprints as 8-byte bytea, a key on _leak_fp)
        // and which already holds the fingerprint of a production address
        String id = UUID.randomUUID().toString();
        String secret = productionSecret();
        long fp = io.restage.common.policy.LeakFingerprints.of(io.restage.common.policy.LeakFingerprints.key(secret, id),
                "jane.doe@corp.example");
        String area = io.restage.importer.staging.StagingArea.schemaFor(id);
        // the ledgers as this release creates them (from another refresh's area), the fingerprints as the earlier one did
        String other = UUID.randomUUID().toString();
        try (KafkaProbe kafka = new KafkaProbe(StackTestResource.stack())) {
            stageOneBatch(kafka, other, "1\tnobody@corp.example\t2024-01-01 00:00:00+00\tx\n".getBytes(StandardCharsets.UTF_8));
        }
        String template = io.restage.importer.staging.StagingArea.schemaFor(other);
        sql("create schema " + area, "do $$ declare t text; begin for t in select tablename from pg_tables where schemaname = '"
                + template + "' and tablename in ('_tables', '_batches', '_meta', '_parts', '_leak_cols') loop execute format("
                + "'create table %I.%I (like %I.%I including all)', '" + area + "', t, '" + template + "', t); end loop; end $$",
                "insert into " + area + "._meta select * from " + template + "._meta",
                "create unlogged table " + area + "._leak_fp (fp bytea primary key)",
                "create unlogged table " + area + "._leak_probe (t int not null, fp bytea not null)",
                "create unlogged table " + area + "._leak_seen (k int not null, fp bytea not null)",
                "insert into " + area + "._leak_fp values ('\\x" + String.format("%016x", fp) + "'::bytea)");
        // when: this release stages a batch (without fingerprints of its own) that holds the address
        byte[] rows = "1\tJane.Doe@corp.example\t2024-01-01 00:00:00+00\tx\n".getBytes(StandardCharsets.UTF_8);
        try (KafkaProbe kafka = new KafkaProbe(StackTestResource.stack())) {
            ImportReply.StagingFailed failed = stageExpectingFailure(kafka, id, rows, null);
            // then: the old fingerprint was converted to the new type, not lost: the audit stops the refresh
            assertTrue(failed.reason().contains("leak audit") && failed.reason().contains("public.users.email"), failed.reason());
        } finally {
            // no orchestrator here to discard them: other tests expect no staging area left behind
            sql("drop schema if exists " + area + " cascade", "drop schema if exists " + template + " cascade");
        }
    }

    @Test
    void shouldFailStagingWhenAFakeEqualsAProductionValueOfItsRuleNamingTheColumn() throws Exception {
        // given: the email transformer wrote a value that is in fact a production address of the same rule (planted)
        String id = UUID.randomUUID().toString();
        String secret = productionSecret();
        byte[] fpKey = io.restage.common.policy.LeakFingerprints.key(secret, id);
        String fingerprints = io.restage.common.policy.LeakFingerprints.encode(new long[]{
                io.restage.common.policy.LeakFingerprints.of(fpKey, "jane.doe@corp.example")}, 1);
        byte[] rows = "1\tJane.Doe@corp.example\t2024-01-01 00:00:00+00\tx\n".getBytes(StandardCharsets.UTF_8);
        try (KafkaProbe kafka = new KafkaProbe(StackTestResource.stack())) {
            ImportReply.StagingFailed failed = stageExpectingFailure(kafka, id, rows, fingerprints);
            // then: the leak audit scans the transformer-written column too, and stops the refresh before the pivot
            assertTrue(failed.reason().contains("leak audit") && failed.reason().contains("public.users.email"), failed.reason());
            assertFalse(failed.reason().toLowerCase().contains("jane"), "no value in the reason: " + failed.reason());
        }
        assertEquals("stale1@x.test;stale2@x.test;", query("select email from users order by id"), "the live table is untouched");
    }

    @Test
    void shouldRefuseLeakFingerprintsOfAnotherFormatNamingTheCauseAndLeaveTheTargetUntouched() throws Exception {
        // given: a batch whose fingerprints an anonymizer of an earlier release wrote (SHA-256, no format tag): compared
        // with this release's probes they could never match, so the audit would find nothing
        String id = UUID.randomUUID().toString();
        String earlier = java.util.Base64.getEncoder().encodeToString(java.nio.ByteBuffer.allocate(8).putLong(42L).array());
        byte[] rows = "1\tJane.Doe@corp.example\t2024-01-01 00:00:00+00\tx\n".getBytes(StandardCharsets.UTF_8);
        try (KafkaProbe kafka = new KafkaProbe(StackTestResource.stack())) {
            ImportReply.StagingFailed failed = stageExpectingFailure(kafka, id, rows, earlier);
            // then: the refresh fails before the pivot, the reason names the cause and the fix, and no value
            assertTrue(failed.reason().contains("another restage version"), failed.reason());
            assertFalse(failed.reason().toLowerCase().contains("jane"), "no value in the reason: " + failed.reason());
        } finally {
            // no orchestrator here to discard the area: other tests expect no staging area left behind
            sql("drop schema if exists " + io.restage.importer.staging.StagingArea.schemaFor(id) + " cascade");
        }
        assertEquals("stale1@x.test;stale2@x.test;", query("select email from users order by id"), "the live table is untouched");
    }
}
