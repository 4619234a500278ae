package io.restage.media.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.minio.GetObjectArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.SetBucketVersioningArgs;
import io.minio.messages.VersioningConfiguration;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restage.common.config.BucketConfig;
import io.restage.stack.testing.StackTestResource;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link VersionRestore} on a real bucket that keeps versions (S3Mock from the test stack), one row per history of an
 * object: the writes (a text is a version, {@code DELETE} a delete marker), which of them to go back to, and what the
 * object must be afterwards.
 */
@QuarkusTest
@QuarkusTestResource(StackTestResource.class)
class VersionRestoreTest {
    /** A history: {@code restoreTo} indexes {@code writes}; {@code expunge}: a write whose version is then deleted for good. */
    record Row(String name, List<String> writes, int restoreTo, Integer expunge, VersionRestore.Outcome outcome,
               String contentAfter, int versionsAfter) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> rows() {
        return Stream.of(
                new Row("overwritten once: the newer version goes", List.of("old", "refreshed"), 0, null,
                        VersionRestore.Outcome.RESTORED, "old", 1),
                new Row("overwritten, then written again by someone: both go", List.of("old", "refreshed", "later"), 0, null,
                        VersionRestore.Outcome.RESTORED, "old", 1),
                new Row("pruned: the delete marker goes", List.of("old", "DELETE"), 0, null,
                        VersionRestore.Outcome.RESTORED, "old", 1),
                new Row("versions below the one restored stay", List.of("older", "old", "refreshed"), 1, null,
                        VersionRestore.Outcome.RESTORED, "old", 2),
                new Row("already the latest (a retried undo): nothing deleted", List.of("older", "old"), 1, null,
                        VersionRestore.Outcome.ALREADY, "old", 2),
                new Row("the version is gone: nothing deleted", List.of("old", "refreshed"), 0, 0,
                        VersionRestore.Outcome.GONE, "refreshed", 1)
        ).map(Arguments::of);
    }

    /**
     * A key the refresh added (absent before it: never written, or under a delete marker): {@code from} indexes the
     * version it wrote first, {@code expunge} a version deleted for good before the removal.
     */
    record Added(String name, List<String> writes, int from, Integer expunge, boolean outcome, int versionsAfter) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> added() {
        return Stream.of(
                new Added("added: the version goes, none is left", List.of("added"), 0, null, true, 0),
                new Added("added, then written again by a retried copy: both go", List.of("added", "retried"), 0, null, true, 0),
                new Added("added over an earlier delete: the history below stays", List.of("old", "DELETE", "added"), 2, null,
                        true, 2),
                new Added("removed by an earlier try: nothing deleted, no delete marker stacked", List.of("added"), 0, 0, false, 0)
        ).map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("added")
    void shouldRemoveWhatTheRefreshAddedWithoutLeavingAVersion(Added row) throws Exception {
        BucketConfig bucket = versionedBucket();
        Buckets buckets = new Buckets();
        String key = "added/" + UUID.randomUUID() + ".txt";
        List<String> ids = write(buckets, bucket, key, row.writes());
        if (row.expunge() != null) {
            buckets.removeVersion(bucket, key, ids.get(row.expunge()));
        }

        assertEquals(row.outcome(), new VersionRestore(buckets).removeFrom(bucket, key, ids.get(row.from())));

        assertEquals(row.versionsAfter(), buckets.versions(bucket, key).size());
        boolean absentBefore = row.from() == 0 || "DELETE".equals(row.writes().get(row.from() - 1));
        assertEquals(!absentBefore, buckets.exists(bucket, key), "the key is as it was before the refresh wrote it");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void shouldPutTheObjectBackToTheVersionItHad(Row row) throws Exception {
        BucketConfig bucket = versionedBucket();
        Buckets buckets = new Buckets();
        MinioClient s3 = buckets.client(bucket);
        String key = "restore/" + UUID.randomUUID() + ".txt";
        List<String> ids = write(buckets, bucket, key, row.writes());
        if (row.expunge() != null) {
            buckets.removeVersion(bucket, key, ids.get(row.expunge()));
        }

        assertEquals(row.outcome(), new VersionRestore(buckets).restore(bucket, key, ids.get(row.restoreTo())));

        try (InputStream in = s3.getObject(GetObjectArgs.builder().bucket(bucket.name()).object(key).build())) {
            assertEquals(row.contentAfter(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        assertEquals(row.versionsAfter(), buckets.versions(bucket, key).size());
        if (row.outcome() != VersionRestore.Outcome.GONE) {
            assertEquals(ids.get(row.restoreTo()), buckets.stat(bucket, key).versionId(), "the very version, not a copy of it");
        }
    }

    /** The test stack's versioning S3 server's bucket, with versioning enabled. */
    private static BucketConfig versionedBucket() throws Exception {
        BucketConfig bucket = new BucketConfig(StackTestResource.versionedS3().orElseThrow().endpoint(), "versioned",
                new io.restage.common.config.Secret("versioned-secret"), "staging-media");
        new Buckets().client(bucket).setBucketVersioning(SetBucketVersioningArgs.builder().bucket(bucket.name())
                .config(new VersioningConfiguration(VersioningConfiguration.Status.ENABLED, null, null, null)).build());
        return bucket;
    }

    /** Writes the history: each text a version, {@code DELETE} a delete marker; answers the version IDs (null for markers). */
    private static List<String> write(Buckets buckets, BucketConfig bucket, String key, List<String> writes) throws Exception {
        MinioClient s3 = buckets.client(bucket);
        List<String> ids = new ArrayList<>();
        for (String w : writes) {
            if (w.equals("DELETE")) {
                s3.removeObject(RemoveObjectArgs.builder().bucket(bucket.name()).object(key).build());
                ids.add(null);
            } else {
                byte[] b = w.getBytes(StandardCharsets.UTF_8);
                ids.add(s3.putObject(PutObjectArgs.builder().bucket(bucket.name()).object(key)
                        .stream(new ByteArrayInputStream(b), (long) b.length, null).build()).versionId());
            }
        }
        return ids;
    }
}
