package io.restage.anonymizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restage.common.Topics;
import io.restage.common.batch.Batch;
import io.restage.common.batch.BatchCodec;
import io.restage.common.batch.BatchHeader;
import io.restage.common.batch.Checksums;
import io.restage.common.batch.Column;
import io.restage.common.messages.AnonymizerReply;
import io.restage.stack.testing.KafkaProbe;
import io.restage.stack.testing.StackTestResource;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.mindrot.jbcrypt.BCrypt;

@QuarkusTest
@QuarkusTestResource(StackTestResource.class)
class AnonymizerServiceTest {
    /** The state database's data keys, as the export makes them (wrapped under the tests' security.batch-key). */
    private static io.restage.common.security.DataKeys keys() throws Exception {
        org.postgresql.ds.PGSimpleDataSource ds = new org.postgresql.ds.PGSimpleDataSource();
        ds.setURL(StackTestResource.stack().jdbcUrl("restage"));
        ds.setUser("postgres");
        io.restage.common.security.DataKeys keys = new io.restage.common.security.DataKeys(ds,
                new io.restage.common.config.Secret(StackTestResource.BATCH_KEY));
        return keys;
    }

    /** A raw batch as the export writes it: sealed under the refresh's data key. */
    private static byte[] sealed(String refreshId, byte[] record) throws Exception {
        return io.restage.common.batch.BatchSeal.seal(record, keys().create(refreshId));
    }

    /** The fingerprint of the policy the services under test run (every batch is stamped with it). */
    static String policyFp() {
        String file = org.eclipse.microprofile.config.ConfigProvider.getConfig().getValue("restage.config-file", String.class);
        return io.restage.common.policy.PolicyFingerprint.of(io.restage.common.config.RestageConfigLoader
                .load(java.nio.file.Path.of(file)).policyFor("production"));
    }

    private static final List<Column> COLS = List.of(new Column("id", "bigint"), new Column("email", "text"),
            new Column("full_name", "text"), new Column("password_hash", "text"));

    @Test
    void shouldAnonymizeBatchesForwardTheMarkerAndReportTheTable() throws Exception {
        String id = UUID.randomUUID().toString();
        String key = Topics.batchKey(id, "public.users");
        byte[] rows = ("1\tadmin@prod.example.com\tThe Boss\t$2a$10$old\n"
                + "2\tjane@corp.com\tJane Doe\t$2a$10$old\n").getBytes(StandardCharsets.UTF_8);
        long checksum = Checksums.of(rows);
        try (KafkaProbe kafka = new KafkaProbe(StackTestResource.stack())) {
            kafka.send(Topics.BATCHES_EXPORTED.name(), key, sealed(id, BatchCodec.encode(
                    BatchHeader.rows(id, "public.users", 0, 2, COLS, checksum, List.of()).withPolicy(policyFp()), rows)));
            kafka.send(Topics.BATCHES_EXPORTED.name(), key, sealed(id, BatchCodec.encode(
                    BatchHeader.end(id, "public.users", 2, COLS, 1, checksum, List.of()).withPolicy(policyFp()), null, 0)));

            List<ConsumerRecord<String, byte[]>> out = kafka.readUntil(Topics.BATCHES_ANONYMIZED.name(),
                    recs -> recs.stream().filter(r -> key.equals(r.key())).count() == 2, Duration.ofSeconds(60));
            List<Batch> mine = out.stream().filter(r -> key.equals(r.key())).map(r -> BatchCodec.decode(r.value())).toList();
            Batch clean = mine.get(0);
            assertTrue(clean.header().anonymized());
            assertEquals(checksum, clean.header().sourceChecksum(), "the source checksum travels unchanged");
            assertEquals(1, clean.header().adminMatches());
            String text = new String(clean.payload(), StandardCharsets.UTF_8);
            assertFalse(text.contains("jane@corp.com") || text.contains("Jane Doe") || text.contains("$2a$10$old"), text);
            String[] admin = text.split("\n")[0].split("\t");
            assertEquals("1", admin[0]);
            assertEquals("admin@staging.invalid", admin[1]);
            assertTrue(BCrypt.checkpw("staging-admin", admin[3]));
            String[] jane = text.split("\n")[1].split("\t");
            assertTrue(BCrypt.checkpw("staging-password", jane[3]));
            assertEquals(BatchHeader.Kind.END, mine.get(1).header().kind(), "the marker follows its batches");

            AnonymizerReply.TableAnonymized done = kafka.awaitEvent(id, AnonymizerReply.TableAnonymized.class, Duration.ofSeconds(30));
            assertEquals(2, done.rows());
            assertTrue(done.ran().contains("public.users.email:email"));
        }
    }

    @Test
    void shouldReportABatchItCannotAnonymizeWithoutQuotingItsData() throws Exception {
        String id = UUID.randomUUID().toString();
        List<Column> wrongType = List.of(new Column("id", "bigint"), new Column("email", "integer"));
        byte[] rows = "1\t12345\n".getBytes(StandardCharsets.UTF_8);
        try (KafkaProbe kafka = new KafkaProbe(StackTestResource.stack())) {
            kafka.send(Topics.BATCHES_EXPORTED.name(), Topics.batchKey(id, "public.users"), sealed(id, BatchCodec.encode(
                    BatchHeader.rows(id, "public.users", 0, 1, wrongType, Checksums.of(rows), List.of()).withPolicy(policyFp()), rows)));
            AnonymizerReply.AnonymizationFailed failed = kafka.awaitEvent(id, AnonymizerReply.AnonymizationFailed.class, Duration.ofSeconds(30));
            assertTrue(failed.reason().contains("public.users.email") && failed.reason().contains("integer"), failed.reason());
            assertFalse(failed.reason().contains("12345"));
        }
    }

    @Test
    void shouldRefuseRawBatchesThatAreNotSealedAreChangedOrWhoseKeyWasDestroyed() throws Exception {
        byte[] rows = "2\tjane@corp.com\tJane Doe\t$2a$10$old\n".getBytes(StandardCharsets.UTF_8);
        String plain = UUID.randomUUID().toString();
        String shredded = UUID.randomUUID().toString();
        String tampered = UUID.randomUUID().toString();
        String good = UUID.randomUUID().toString();
        byte[] record = BatchCodec.encode(BatchHeader.rows(plain, "public.users", 0, 1, COLS, Checksums.of(rows), List.of()), rows);
        byte[] late = sealed(shredded, BatchCodec.encode(BatchHeader.rows(shredded, "public.users", 0, 1, COLS, Checksums.of(rows),
                List.of()), rows));
        keys().destroy(shredded);
        byte[] changed = sealed(tampered, BatchCodec.encode(BatchHeader.rows(tampered, "public.users", 0, 1, COLS, Checksums.of(rows),
                List.of()), rows));
        changed[changed.length - 1] ^= 1;
        try (KafkaProbe kafka = new KafkaProbe(StackTestResource.stack())) {
            kafka.send(Topics.BATCHES_EXPORTED.name(), Topics.batchKey(plain, "public.users"), record);
            kafka.send(Topics.BATCHES_EXPORTED.name(), Topics.batchKey(shredded, "public.users"), late);
            kafka.send(Topics.BATCHES_EXPORTED.name(), Topics.batchKey(tampered, "public.users"), changed);
            // a good one after them, on the same partition's stream of work: when it is out, the others were handled
            kafka.send(Topics.BATCHES_EXPORTED.name(), Topics.batchKey(good, "public.users"), sealed(good, BatchCodec.encode(
                    BatchHeader.end(good, "public.users", 0, COLS, 0, 0, List.of()).withPolicy(policyFp()), null, 0)));
            List<ConsumerRecord<String, byte[]>> events = kafka.readUntil(Topics.REFRESH_EVENTS.name(), recs -> List.of(plain,
                    shredded, tampered).stream().allMatch(id -> recs.stream().anyMatch(r -> id.equals(r.key())
                    && KafkaProbe.text(r).contains("MessageRefused"))), Duration.ofSeconds(60));
            assertTrue(events.stream().anyMatch(r -> plain.equals(r.key()) && KafkaProbe.text(r).contains("not sealed")));
            assertTrue(events.stream().anyMatch(r -> shredded.equals(r.key()) && KafkaProbe.text(r).contains("destroyed")));
            assertTrue(events.stream().anyMatch(r -> tampered.equals(r.key()) && KafkaProbe.text(r).contains("changed")));
            assertTrue(events.stream().noneMatch(r -> KafkaProbe.text(r).contains("jane@corp.com")), "no value in a report");
            List<ConsumerRecord<String, byte[]>> clean = kafka.readUntil(Topics.BATCHES_ANONYMIZED.name(),
                    recs -> recs.stream().anyMatch(r -> r.key().startsWith(good)), Duration.ofSeconds(60));
            assertTrue(clean.stream().noneMatch(r -> r.key().startsWith(plain) || r.key().startsWith(shredded)
                    || r.key().startsWith(tampered)), "nothing refused was forwarded");
        }
    }

    @Test
    void shouldRefuseABatchMadeUnderAnotherPolicyNamingBothFingerprints() throws Exception {
        String id = UUID.randomUUID().toString();
        byte[] rows = "2\tjane@corp.com\tJane Doe\t$2a$10$old\n".getBytes(StandardCharsets.UTF_8);
        try (KafkaProbe kafka = new KafkaProbe(StackTestResource.stack())) {
            kafka.send(Topics.BATCHES_EXPORTED.name(), Topics.batchKey(id, "public.users"), sealed(id, BatchCodec.encode(
                    BatchHeader.rows(id, "public.users", 0, 1, COLS, Checksums.of(rows), List.of()).withPolicy("0123456789abcdef0123456789abcdef"),
                    rows)));
            AnonymizerReply.AnonymizationFailed failed = kafka.awaitEvent(id, AnonymizerReply.AnonymizationFailed.class, Duration.ofSeconds(30));
            assertTrue(failed.reason().contains("0123456789abcdef0123456789abcdef") && failed.reason().contains(policyFp())
                    && failed.reason().contains("restage.yaml differ"), failed.reason());
            assertFalse(failed.reason().contains("jane"), failed.reason());
        }
    }
}
