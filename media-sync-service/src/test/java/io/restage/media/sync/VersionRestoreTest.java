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

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void shouldPutTheObjectBackToTheVersionItHad(Row row) throws Exception {
        BucketConfig bucket = new BucketConfig(StackTestResource.versionedS3().orElseThrow().endpoint(), "versioned",
                new io.restage.common.config.Secret("versioned-secret"), "staging-media");
        Buckets buckets = new Buckets();
        MinioClient s3 = buckets.client(bucket);
        s3.setBucketVersioning(SetBucketVersioningArgs.builder().bucket(bucket.name())
                .config(new VersioningConfiguration(VersioningConfiguration.Status.ENABLED, null, null, null)).build());
        String key = "restore/" + UUID.randomUUID() + ".txt";
        List<String> ids = new ArrayList<>();
        for (String w : row.writes()) {
            if (w.equals("DELETE")) {
                s3.removeObject(RemoveObjectArgs.builder().bucket(bucket.name()).object(key).build());
                ids.add(null);
            } else {
                byte[] b = w.getBytes(StandardCharsets.UTF_8);
                ids.add(s3.putObject(PutObjectArgs.builder().bucket(bucket.name()).object(key)
                        .stream(new ByteArrayInputStream(b), (long) b.length, null).build()).versionId());
            }
        }
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
}
