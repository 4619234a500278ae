package io.restage.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.minio.GetObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.SetBucketVersioningArgs;
import io.minio.messages.Item;
import io.minio.messages.VersioningConfiguration;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restage.common.Topics;
import io.restage.common.messages.Command;
import io.restage.common.messages.MediaReply;
import io.restage.stack.testing.KafkaProbe;
import io.restage.stack.testing.StackTestResource;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A target bucket that keeps versions (S3Mock, environment {@code staging-versioned}): the copy and the prune keep
 * nothing aside, they journal the versions they replace, and undo and revert delete the versions above them, so the
 * bucket ends with the very versions it had (version IDs, not only keys and ETags) and no copies of the refresh's.
 */
@QuarkusTest
@QuarkusTestResource(StackTestResource.class)
class VersionedBucketTest {
    private static final String TARGET = "staging-versioned";
    private MinioClient production;
    private MinioClient versioned;
    /** The version of a.txt the refresh overwrites. */
    private String staleVersion;

    @BeforeEach
    void buckets() throws Exception {
        assertTrue(StackTestResource.versionedS3().isPresent(), "the build provides S3Mock's jar (media-sync-service/pom.xml)"
                + " and the test stack starts it");
        production = MinioClient.builder().endpoint(StackTestResource.stack().s3Endpoint())
                .credentials(StackTestResource.stack().s3AccessKey(), StackTestResource.stack().s3SecretKey()).build();
        versioned = MinioClient.builder().endpoint(StackTestResource.versionedS3().get().endpoint())
                .credentials("versioned", "versioned-secret").build();
        versioned.setBucketVersioning(SetBucketVersioningArgs.builder().bucket("staging-media")
                .config(new VersioningConfiguration(VersioningConfiguration.Status.ENABLED, null, null, null)).build());
        for (Result<Item> r : production.listObjects(ListObjectsArgs.builder().bucket("production-media").recursive(true).build())) {
            production.removeObject(RemoveObjectArgs.builder().bucket("production-media").object(r.get().objectName()).build());
        }
        for (Item i : versions()) {
            versioned.removeObject(RemoveObjectArgs.builder().bucket("staging-media").object(i.objectName())
                    .versionId(i.versionId()).build());
        }
        put(production, "production-media", "a.txt", "prod a");
        put(production, "production-media", "dir/b.txt", "prod b");
        put(production, "production-media", "same.txt", "same");
        put(versioned, "staging-media", "a.txt", "staging a, first version");
        staleVersion = put(versioned, "staging-media", "a.txt", "staging a (stale)");
        put(versioned, "staging-media", "same.txt", "same");
        put(versioned, "staging-media", "only-staging.txt", "to be pruned");
    }

    private static String put(MinioClient s3, String bucket, String key, String content) throws Exception {
        byte[] b = content.getBytes(StandardCharsets.UTF_8);
        return s3.putObject(PutObjectArgs.builder().bucket(bucket).object(key).stream(new ByteArrayInputStream(b), (long) b.length, null).build())
                .versionId();
    }

    /** Every version and delete marker in the versioned bucket. */
    private List<Item> versions() throws Exception {
        List<Item> out = new ArrayList<>();
        for (Result<Item> r : versioned.listObjects(ListObjectsArgs.builder().bucket("staging-media").recursive(true)
                .includeVersions(true).build())) {
            out.add(r.get());
        }
        return out;
    }

    /** key -> "ETag version" of each key's latest version (keys whose latest is a delete marker are absent). */
    private TreeMap<String, String> current() throws Exception {
        TreeMap<String, String> out = new TreeMap<>();
        for (Item i : versions()) {
            if (i.isLatest() && !i.isDeleteMarker()) {
                out.put(i.objectName(), i.etag().replace("\"", "") + " " + i.versionId());
            }
        }
        return out;
    }

    /** key -> how many versions and delete markers it has. */
    private TreeMap<String, Integer> versionCounts() throws Exception {
        TreeMap<String, Integer> out = new TreeMap<>();
        for (Item i : versions()) {
            out.merge(i.objectName(), 1, Integer::sum);
        }
        return out;
    }

    private String read(String key) throws Exception {
        try (InputStream in = versioned.getObject(GetObjectArgs.builder().bucket("staging-media").object(key).build())) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private void copyAndPrune(KafkaProbe kafka, String id) throws Exception {
        kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.CopyMedia(UUID.randomUUID().toString(),
                id, Instant.now(), "production", TARGET));
        MediaReply.MediaCopied copied = kafka.awaitEvent(id, MediaReply.MediaCopied.class, Duration.ofSeconds(60));
        assertEquals(2, copied.copied());
        assertEquals(1, copied.overwritten());
        assertEquals("prod a", read("a.txt"));
        kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.PruneMedia(UUID.randomUUID().toString(),
                id, Instant.now(), "production", TARGET, true));
        assertEquals(1, kafka.awaitEvent(id, MediaReply.MediaPruned.class, Duration.ofSeconds(60)).deleted());
        assertFalse(current().containsKey("only-staging.txt"), "pruned");
        assertTrue(versions().stream().noneMatch(i -> i.objectName().startsWith(".restage/")),
                "nothing copied aside: the versions the refresh replaced are the backups");
    }

    @Test
    void shouldUndoToTheVeryVersionsTheBucketHadWithoutCopyingAnythingAside() throws Exception {
        TreeMap<String, String> before = current();
        TreeMap<String, Integer> counts = versionCounts();
        String id = UUID.randomUUID().toString();
        try (KafkaProbe kafka = new KafkaProbe(StackTestResource.stack())) {
            copyAndPrune(kafka, id);
            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.UndoMedia(UUID.randomUUID().toString(),
                    id, Instant.now(), TARGET));
            MediaReply.MediaUndone undone = kafka.awaitEvent(id, MediaReply.MediaUndone.class, Duration.ofSeconds(60));
            assertEquals(1, undone.removed(), "dir/b.txt, which the refresh added");
            assertEquals(2, undone.restored(), "a.txt (overwritten) and only-staging.txt (pruned)");
        }
        assertEquals(before, current(), "the same keys, ETags and version IDs as before the refresh");
        assertEquals("staging a (stale)", read("a.txt"));
        assertEquals("to be pruned", read("only-staging.txt"));
        TreeMap<String, Integer> after = versionCounts();
        assertEquals(counts.get("a.txt"), after.get("a.txt"), "the refresh's version of a.txt is gone, the older one stays");
        assertEquals(counts.get("only-staging.txt"), after.get("only-staging.txt"), "the prune's delete marker is gone");
        assertEquals(counts, after, "no version or delete marker of the refresh is left: dir/b.txt, which it added, has none");
    }

    @Test
    void shouldRevertACopyToTheVeryVersionsTheBucketHad() throws Exception {
        TreeMap<String, String> before = current();
        TreeMap<String, Integer> counts = versionCounts();
        String id = UUID.randomUUID().toString();
        try (KafkaProbe kafka = new KafkaProbe(StackTestResource.stack())) {
            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.CopyMedia(UUID.randomUUID().toString(),
                    id, Instant.now(), "production", TARGET));
            assertEquals(1, kafka.awaitEvent(id, MediaReply.MediaCopied.class, Duration.ofSeconds(60)).overwritten());
            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.RevertMedia(UUID.randomUUID().toString(),
                    id, Instant.now(), TARGET));
            MediaReply.MediaReverted reverted = kafka.awaitEvent(id, MediaReply.MediaReverted.class, Duration.ofSeconds(60));
            assertEquals(1, reverted.removed());
            assertEquals(1, reverted.restored());
            // a duplicate compensation changes nothing and still answers
            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.RevertMedia(UUID.randomUUID().toString(),
                    id, Instant.now(), TARGET));
        }
        assertEquals(before, current(), "the same keys, ETags and version IDs as before the copy");
        assertEquals(counts, versionCounts(), "no version or delete marker of the copy is left");
    }

    @Test
    void shouldPutBackWhatItCanAndFailTheUndoNamingNoKeyWhenAPriorVersionIsGone() throws Exception {
        String id = UUID.randomUUID().toString();
        try (KafkaProbe kafka = new KafkaProbe(StackTestResource.stack())) {
            copyAndPrune(kafka, id);
            // a lifecycle rule (or someone) deleted the version of a.txt the refresh replaced
            versioned.removeObject(RemoveObjectArgs.builder().bucket("staging-media").object("a.txt")
                    .versionId(staleVersion).build());
            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.UndoMedia(UUID.randomUUID().toString(),
                    id, Instant.now(), TARGET));
            MediaReply.MediaUndoFailed failed = kafka.awaitEvent(id, MediaReply.MediaUndoFailed.class, Duration.ofSeconds(60));
            assertTrue(failed.reason().contains("1 objects could not be put back") && failed.reason().contains("lifecycle"),
                    failed.reason());
            assertFalse(failed.reason().contains("a.txt"), "object keys can be personal: the reason names none");
            assertEquals("prod a", read("a.txt"), "with the version it replaced gone, the refresh's version is not deleted");
        }
        assertEquals("to be pruned", read("only-staging.txt"), "the other objects were put back");
        assertFalse(current().containsKey("dir/b.txt"));
    }
}
