package io.restage.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.minio.GetObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.messages.Item;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restage.common.Topics;
import io.restage.common.messages.Command;
import io.restage.common.messages.MediaReply;
import io.restage.common.messages.MessageCodec;
import io.restage.stack.testing.KafkaProbe;
import io.restage.stack.testing.StackTestResource;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(StackTestResource.class)
class MediaSyncServiceTest {
    private MinioClient s3;

    @BeforeEach
    void buckets() throws Exception {
        s3 = MinioClient.builder().endpoint(StackTestResource.stack().s3Endpoint())
                .credentials(StackTestResource.stack().s3AccessKey(), StackTestResource.stack().s3SecretKey()).build();
        for (String bucket : List.of("production-media", "staging-media")) {
            for (String key : listing(bucket).keySet()) {
                s3.removeObject(RemoveObjectArgs.builder().bucket(bucket).object(key).build());
            }
        }
        put("production-media", "a.txt", "prod a");
        put("production-media", "dir/b.txt", "prod b");
        put("production-media", "same.txt", "same");
        put("staging-media", "a.txt", "staging a (stale)");
        put("staging-media", "same.txt", "same");
        put("staging-media", "only-staging.txt", "to be pruned");
    }

    private void put(String bucket, String key, String content) throws Exception {
        byte[] b = content.getBytes(StandardCharsets.UTF_8);
        s3.putObject(PutObjectArgs.builder().bucket(bucket).object(key).stream(new ByteArrayInputStream(b), (long) b.length, null).build());
    }

    private TreeMap<String, String> listing(String bucket) throws Exception {
        TreeMap<String, String> out = new TreeMap<>();
        for (Result<Item> r : s3.listObjects(ListObjectsArgs.builder().bucket(bucket).recursive(true).build())) {
            out.put(r.get().objectName(), r.get().etag().replace("\"", ""));
        }
        return out;
    }

    private String read(String bucket, String key) throws Exception {
        try (InputStream in = s3.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build())) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void shouldCopyOnlyNewAndChangedObjectsThenRevertToExactlyTheOldBucket() throws Exception {
        TreeMap<String, String> before = listing("staging-media");
        String id = UUID.randomUUID().toString();
        try (KafkaProbe kafka = new KafkaProbe(StackTestResource.stack())) {
            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.CopyMedia(UUID.randomUUID().toString(),
                    id, Instant.now(), "production", "staging"));
            MediaReply.MediaCopied copied = kafka.awaitEvent(id, MediaReply.MediaCopied.class, Duration.ofSeconds(60));
            assertEquals(2, copied.copied());
            assertEquals(1, copied.unchanged());
            assertEquals(1, copied.overwritten());
            assertEquals("prod a", read("staging-media", "a.txt"));
            assertTrue(listing("staging-media").containsKey("only-staging.txt"), "nothing is deleted before the commit");

            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.RevertMedia(UUID.randomUUID().toString(),
                    id, Instant.now(), "staging"));
            MediaReply.MediaReverted reverted = kafka.awaitEvent(id, MediaReply.MediaReverted.class, Duration.ofSeconds(60));
            assertEquals(1, reverted.removed());
            assertEquals(1, reverted.restored());
        }
        assertEquals(before, listing("staging-media"), "same keys and ETags as before the copy, no backups left");
        assertEquals("staging a (stale)", read("staging-media", "a.txt"));
    }

    @Test
    void shouldCopyManyObjectsAtOnceAndStillRevertToExactlyTheOldBucket() throws Exception {
        // given: 300 source objects, every other one already in the target with other content
        for (int i = 0; i < 300; i++) {
            put("production-media", "many/" + i + ".bin", "prod " + i);
            if (i % 2 == 0) {
                put("staging-media", "many/" + i + ".bin", "staging " + i);
            }
        }
        TreeMap<String, String> before = listing("staging-media");
        String id = UUID.randomUUID().toString();
        try (KafkaProbe kafka = new KafkaProbe(StackTestResource.stack())) {
            long start = System.nanoTime();
            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.CopyMedia(UUID.randomUUID().toString(),
                    id, Instant.now(), "production", "staging"));
            MediaReply.MediaCopied copied = kafka.awaitEvent(id, MediaReply.MediaCopied.class, Duration.ofSeconds(60));
            System.out.printf("media: %d objects copied (%d overwritten) in %d ms, restage.media.parallelism at a time%n",
                    copied.copied(), copied.overwritten(), (System.nanoTime() - start) / 1_000_000);
            // then: every copy and every backup happened once, whatever the interleaving of the parallel copies
            assertEquals(302, copied.copied());
            assertEquals(151, copied.overwritten());
            for (int i = 0; i < 300; i += 37) {
                assertEquals("prod " + i, read("staging-media", "many/" + i + ".bin"));
            }
            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.RevertMedia(UUID.randomUUID().toString(),
                    id, Instant.now(), "staging"));
            MediaReply.MediaReverted reverted = kafka.awaitEvent(id, MediaReply.MediaReverted.class, Duration.ofSeconds(60));
            assertEquals(151, reverted.removed());
            assertEquals(151, reverted.restored());
        }
        // and: the journal written before each copy lets the revert restore the bucket exactly
        assertEquals(before, listing("staging-media"), "same keys and ETags as before the copy, no backups left");
        assertEquals("staging 0", read("staging-media", "many/0.bin"));
    }

    @Test
    void shouldPruneAfterTheCommitSoTheTargetEqualsTheSource() throws Exception {
        String id = UUID.randomUUID().toString();
        try (KafkaProbe kafka = new KafkaProbe(StackTestResource.stack())) {
            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.CopyMedia(UUID.randomUUID().toString(),
                    id, Instant.now(), "production", "staging"));
            kafka.awaitEvent(id, MediaReply.MediaCopied.class, Duration.ofSeconds(60));
            // 1 orphan of 4 target objects is over the default cap (10%): the request allows it
            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.PruneMedia(UUID.randomUUID().toString(),
                    id, Instant.now(), "production", "staging", true));
            MediaReply.MediaPruned pruned = kafka.awaitEvent(id, MediaReply.MediaPruned.class, Duration.ofSeconds(60));
            assertEquals(1, pruned.deleted());
            assertEquals(4, pruned.targetObjects());
            assertEquals(null, pruned.held());
        }
        TreeMap<String, String> staged = listing("staging-media");
        assertTrue(staged.containsKey(".restage/" + id + "/pruned/only-staging.txt"), "the pruned object is kept aside for an undo");
        assertTrue(staged.containsKey(".restage/" + id + "/backup/a.txt"), "so is the overwritten one");
        staged.keySet().removeIf(k -> k.startsWith(".restage/"));
        assertEquals(listing("production-media").keySet(), staged.keySet());
    }

    @Test
    void shouldUndoTheBucketToExactlyItsListingBeforeTheRefresh() throws Exception {
        TreeMap<String, String> before = listing("staging-media");
        String id = UUID.randomUUID().toString();
        try (KafkaProbe kafka = new KafkaProbe(StackTestResource.stack())) {
            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.CopyMedia(UUID.randomUUID().toString(),
                    id, Instant.now(), "production", "staging"));
            kafka.awaitEvent(id, MediaReply.MediaCopied.class, Duration.ofSeconds(60));
            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.PruneMedia(UUID.randomUUID().toString(),
                    id, Instant.now(), "production", "staging", true));
            assertEquals(1, kafka.awaitEvent(id, MediaReply.MediaPruned.class, Duration.ofSeconds(60)).deleted());
            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.UndoMedia(UUID.randomUUID().toString(),
                    id, Instant.now(), "staging"));
            MediaReply.MediaUndone undone = kafka.awaitEvent(id, MediaReply.MediaUndone.class, Duration.ofSeconds(60));
            assertEquals(1, undone.removed(), "dir/b.txt, which the refresh added");
            assertEquals(2, undone.restored(), "a.txt (overwritten) and only-staging.txt (pruned)");
        }
        assertEquals(before, listing("staging-media"), "same keys and ETags as before the refresh, nothing of restage's left");
        assertEquals("staging a (stale)", read("staging-media", "a.txt"));
        assertEquals("to be pruned", read("staging-media", "only-staging.txt"));
    }

    @Test
    void shouldKeepOnlyAsManyMediaGenerationsAsTheDatabaseAndSaySoOnAnOlderUndo() throws Exception {
        String first = UUID.randomUUID().toString();
        String second = UUID.randomUUID().toString();
        try (KafkaProbe kafka = new KafkaProbe(StackTestResource.stack())) {
            for (String id : List.of(first, second)) {
                kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.CopyMedia(UUID.randomUUID().toString(),
                        id, Instant.now(), "production", "staging"));
                kafka.awaitEvent(id, MediaReply.MediaCopied.class, Duration.ofSeconds(60));
                kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.PruneMedia(UUID.randomUUID().toString(),
                        id, Instant.now(), "production", "staging", true));
                kafka.awaitEvent(id, MediaReply.MediaPruned.class, Duration.ofSeconds(60));
            }
            // staging keeps one generation (keep-generations defaults to 1): the first refresh's kept objects are gone
            assertTrue(listing("staging-media").keySet().stream().noneMatch(k -> k.startsWith(".restage/" + first + "/")));
            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.UndoMedia(UUID.randomUUID().toString(),
                    first, Instant.now(), "staging"));
            MediaReply.MediaUndoFailed refused = kafka.awaitEvent(first, MediaReply.MediaUndoFailed.class, Duration.ofSeconds(60));
            assertTrue(refused.reason().contains("no longer kept") && refused.reason().contains("keep-generations"), refused.reason());
        }
    }

    @Test
    void shouldHoldAPruneOverTheDeleteCapAndDeleteNothing() throws Exception {
        String id = UUID.randomUUID().toString();
        try (KafkaProbe kafka = new KafkaProbe(StackTestResource.stack())) {
            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.CopyMedia(UUID.randomUUID().toString(),
                    id, Instant.now(), "production", "staging"));
            kafka.awaitEvent(id, MediaReply.MediaCopied.class, Duration.ofSeconds(60));
            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.PruneMedia(UUID.randomUUID().toString(),
                    id, Instant.now(), "production", "staging"));
            MediaReply.MediaPruned held = kafka.awaitEvent(id, MediaReply.MediaPruned.class, Duration.ofSeconds(60));
            assertEquals(0, held.deleted());
            assertTrue(held.held() != null && held.held().contains("1 of the target's 4 objects are orphans")
                    && held.held().contains("allowMediaDeletes"), held.held());
        }
        assertTrue(listing("staging-media").containsKey("only-staging.txt"), "nothing deleted over the cap");
        assertTrue(listing("staging-media").containsKey(".restage/" + id + "/backup/a.txt"), "the backup stays for an undo");
    }

    @Test
    void shouldWriteNothingForForgedOrMisdirectedCommandsAndReportEach() throws Exception {
        var production = listing("production-media");
        String unsigned = UUID.randomUUID().toString();
        String intoProduction = UUID.randomUUID().toString();
        String swapped = UUID.randomUUID().toString();
        String other = UUID.randomUUID().toString();
        try (KafkaProbe kafka = new KafkaProbe(StackTestResource.stack())) {
            // written with a plain Kafka client by someone with broker access: unsigned, or signed with a guessed key
            kafka.send(Topics.REFRESH_COMMANDS.name(), unsigned, MessageCodec.encode(new Command.CopyMedia(UUID.randomUUID().toString(),
                    unsigned, Instant.now(), "staging", "production")));
            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.PruneMedia(UUID.randomUUID().toString(), unsigned,
                    Instant.now(), "staging", "production"), "a-guessed-key-0123456789abcdef0123456789");
            // signed, but naming production as the target: this service's own configuration says no
            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.CopyMedia(UUID.randomUUID().toString(),
                    intoProduction, Instant.now(), "staging", "production"));
            MediaReply.MediaCopyFailed refused = kafka.awaitEvent(intoProduction, MediaReply.MediaCopyFailed.class, Duration.ofSeconds(60));
            assertTrue(refused.reason().contains("does not allow imports"), refused.reason());
            // a prune naming another source than the journaled copy's
            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.CopyMedia(UUID.randomUUID().toString(),
                    swapped, Instant.now(), "production", "staging"));
            kafka.awaitEvent(swapped, MediaReply.MediaCopied.class, Duration.ofSeconds(60));
            var copied = listing("staging-media");
            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.PruneMedia(UUID.randomUUID().toString(),
                    swapped, Instant.now(), "staging", "staging"));
            assertTrue(kafka.awaitEvent(swapped, MediaReply.MediaPruneFailed.class, Duration.ofSeconds(60)).reason().contains("both 'staging'"));
            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.RevertMedia(UUID.randomUUID().toString(),
                    swapped, Instant.now(), "production"));
            assertTrue(kafka.awaitEvent(swapped, MediaReply.MediaRevertFailed.class, Duration.ofSeconds(60)).reason().contains("does not allow imports"));
            // an undo of the bucket: unsigned (never acted on), and signed but naming production as the target
            kafka.send(Topics.REFRESH_COMMANDS.name(), swapped, MessageCodec.encode(new Command.UndoMedia(UUID.randomUUID().toString(),
                    swapped, Instant.now(), "staging")));
            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.UndoMedia(UUID.randomUUID().toString(),
                    swapped, Instant.now(), "production"));
            assertTrue(kafka.awaitEvent(swapped, MediaReply.MediaUndoFailed.class, Duration.ofSeconds(60)).reason().contains("does not allow imports"));
            assertEquals(copied, listing("staging-media"), "the unsigned undo changed nothing");
            // every refusal is reported for the audit log; the last one read is a marker that all before it were handled
            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.PruneMedia(UUID.randomUUID().toString(), other,
                    Instant.now(), "production", "staging"));
            kafka.awaitEvent(other, MediaReply.MediaPruneFailed.class, Duration.ofSeconds(60));
            List<ConsumerRecord<String, byte[]>> events = kafka.readUntil(Topics.REFRESH_EVENTS.name(),
                    rs -> rs.stream().filter(r -> KafkaProbe.text(r).contains("MessageRefused")
                            && KafkaProbe.text(r).contains("media-sync-service")).count() >= 6, Duration.ofSeconds(30));
            assertTrue(events.stream().anyMatch(r -> unsigned.equals(r.key()) && KafkaProbe.text(r).contains("unsigned")));
            assertTrue(events.stream().anyMatch(r -> unsigned.equals(r.key()) && KafkaProbe.text(r).contains("wrong signature")));
            assertTrue(events.stream().anyMatch(r -> swapped.equals(r.key()) && KafkaProbe.text(r).contains("UndoMedia")
                    && KafkaProbe.text(r).contains("unsigned")), "the unsigned UndoMedia is reported");
            assertEquals(production, listing("production-media"), "production's bucket is untouched");
            assertEquals(copied, listing("staging-media"), "the refused prune deleted nothing");
        }
    }

    @Test
    void shouldRefuseToPruneWhenTheCopyNeverCompleted() {
        String id = UUID.randomUUID().toString();
        try (KafkaProbe kafka = new KafkaProbe(StackTestResource.stack())) {
            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.PruneMedia(UUID.randomUUID().toString(),
                    id, Instant.now(), "production", "staging"));
            MediaReply.MediaPruneFailed f = kafka.awaitEvent(id, MediaReply.MediaPruneFailed.class, Duration.ofSeconds(60));
            assertTrue(f.reason().contains("nothing is deleted"), f.reason());
        }
    }

    /**
     * A copy that failed half-way (see below) after it had overwritten a.txt, retried under the same refresh once the
     * source is fixed, while production's a.txt changed again: the retry overwrites a.txt once more, and the revert still
     * puts back the object as it was before the refresh, not the first attempt's copy.
     */
    @Test
    void shouldRevertARetriedCopyToTheObjectsAsTheyWereBeforeTheFirstAttempt() throws Exception {
        put("production-media", "x", "an object where the target has a folder");
        put("staging-media", "x/y", "the target's object under x/");
        TreeMap<String, String> before = listing("staging-media");
        String id = UUID.randomUUID().toString();
        try (KafkaProbe kafka = new KafkaProbe(StackTestResource.stack())) {
            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.CopyMedia(UUID.randomUUID().toString(),
                    id, Instant.now(), "production", "staging"));
            kafka.awaitEvent(id, MediaReply.MediaCopyFailed.class, Duration.ofSeconds(60));
            assertEquals("prod a", read("staging-media", "a.txt"), "the first attempt overwrote a.txt before it failed");

            s3.removeObject(RemoveObjectArgs.builder().bucket("production-media").object("x").build());
            put("production-media", "a.txt", "prod a, changed since");
            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.CopyMedia(UUID.randomUUID().toString(),
                    id, Instant.now(), "production", "staging"));
            kafka.awaitEvent(id, MediaReply.MediaCopied.class, Duration.ofSeconds(60));
            assertEquals("prod a, changed since", read("staging-media", "a.txt"));

            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.RevertMedia(UUID.randomUUID().toString(),
                    id, Instant.now(), "staging"));
            kafka.awaitEvent(id, MediaReply.MediaReverted.class, Duration.ofSeconds(60));
        }
        assertEquals("staging a (stale)", read("staging-media", "a.txt"));
        assertEquals(before, listing("staging-media"), "same keys and ETags as before the first attempt, no backups left");
    }

    /**
     * A copy the store refuses half-way (the target holds {@code x/y}, so a file store cannot also hold an object
     * {@code x}: S3Proxy's file system and MinIO both refuse it), compensated to exactly the bucket before; and the prune
     * that follows a failed copy deletes nothing.
     */
    @Test
    void shouldRevertACopyThatFailedHalfWayToExactlyTheOldBucketAndNeverPruneAfterIt() throws Exception {
        for (int i = 0; i < 40; i++) {
            put("production-media", "a/" + i + ".txt", "prod " + i);
        }
        put("production-media", "x", "an object where the target has a folder");
        put("staging-media", "x/y", "the target's object under x/");
        TreeMap<String, String> before = listing("staging-media");
        String id = UUID.randomUUID().toString();
        try (KafkaProbe kafka = new KafkaProbe(StackTestResource.stack())) {
            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.CopyMedia(UUID.randomUUID().toString(),
                    id, Instant.now(), "production", "staging"));
            MediaReply.MediaCopyFailed failed = kafka.awaitEvent(id, MediaReply.MediaCopyFailed.class, Duration.ofSeconds(60));
            assertTrue(failed.reason().contains("failed after"), failed.reason());
            TreeMap<String, String> half = listing("staging-media");
            assertTrue(half.keySet().stream().anyMatch(k -> k.startsWith("a/")), "some objects were copied before the failure");

            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.PruneMedia(UUID.randomUUID().toString(),
                    id, Instant.now(), "production", "staging", true));
            MediaReply.MediaPruneFailed noPrune = kafka.awaitEvent(id, MediaReply.MediaPruneFailed.class, Duration.ofSeconds(60));
            assertTrue(noPrune.reason().contains("did not complete") && noPrune.reason().contains("nothing is deleted"), noPrune.reason());
            assertTrue(listing("staging-media").containsKey("only-staging.txt"));

            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.RevertMedia(UUID.randomUUID().toString(),
                    id, Instant.now(), "staging"));
            MediaReply.MediaReverted reverted = kafka.awaitEvent(id, MediaReply.MediaReverted.class, Duration.ofSeconds(60));
            assertTrue(reverted.removed() >= 1, reverted.toString());
        }
        assertEquals(before, listing("staging-media"), "same keys and ETags as before the copy, no backups left");
    }
}
