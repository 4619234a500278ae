package io.restage.media.sync;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.minio.CopyObjectArgs;
import io.minio.GetObjectArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.SourceObject;
import io.minio.StatObjectArgs;
import io.minio.errors.ErrorResponseException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restage.common.config.BucketConfig;
import io.restage.common.config.Secret;
import io.restage.stack.testing.StackTestResource;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A copy pinned to the ETag the listing showed (no HEAD of the source first) on the embedded S3 server: the listed
 * version is copied, and an object changed since it was listed is copied as it is now, never left behind.
 */
@QuarkusTest
@QuarkusTestResource(StackTestResource.class)
class BucketsCopyTest {
    private final BucketConfig production = bucket("production-media");
    private final BucketConfig staging = bucket("staging-media");
    private final MinioClient s3 = MinioClient.builder().endpoint(StackTestResource.stack().s3Endpoint())
            .credentials(StackTestResource.stack().s3AccessKey(), StackTestResource.stack().s3SecretKey()).build();

    private static BucketConfig bucket(String name) {
        return new BucketConfig(StackTestResource.stack().s3Endpoint(), StackTestResource.stack().s3AccessKey(),
                new Secret(StackTestResource.stack().s3SecretKey()), name);
    }

    @Test
    void shouldCopyTheListedVersionAndAVersionChangedSinceTheListingAsItIsNow() throws Exception {
        Buckets buckets = new Buckets();
        byte[] listed = "the version the listing saw".getBytes(StandardCharsets.UTF_8);
        String etag = put("pinned/a.txt", listed);
        buckets.copy(production, "pinned/a.txt", staging, "pinned/a.txt", listed.length, etag);
        assertArrayEquals(listed, get("staging-media", "pinned/a.txt"), "the listed version is copied");

        byte[] changed = "written after the listing, and longer than before".getBytes(StandardCharsets.UTF_8);
        put("pinned/b.txt", listed);
        String stale = s3.statObject(StatObjectArgs.builder().bucket("production-media").object("pinned/b.txt").build()).etag();
        put("pinned/b.txt", changed); // the source changes between the listing and the copy
        // the server refuses a copy pinned to a version it no longer holds (which the fallback below relies on)
        ErrorResponseException refused = assertThrows(ErrorResponseException.class, () -> s3.copyObject(CopyObjectArgs
                .builder().bucket("staging-media").object("pinned/x.txt").source(new SourceObject(SourceObject.builder()
                        .bucket("production-media").object("pinned/b.txt").build(), listed.length, stale.replace("\"", "")))
                .build()));
        assertEquals("PreconditionFailed", refused.errorResponse().code());
        buckets.copy(production, "pinned/b.txt", staging, "pinned/b.txt", listed.length, stale.replace("\"", ""));
        assertArrayEquals(changed, get("staging-media", "pinned/b.txt"), "the current version is copied, not a stale one");

        buckets.copy(production, "pinned/b.txt", staging, "pinned/c.txt", changed.length, null);
        assertArrayEquals(changed, get("staging-media", "pinned/c.txt"), "without an ETag the client asks first");
    }

    @Test
    void shouldCopyAnObjectOverTheSingleCopyLimitAsAMultipartCopy() throws Exception {
        // the path of objects over 5 GiB (UploadPartCopy), here with the limit lowered to 1 MiB: the same client calls.
        // LargeObjectCopyBenchmark copies a real 5 GiB + 3 MiB object the same way
        Buckets buckets = new Buckets(1024 * 1024);
        byte[] body = new byte[3 * 1024 * 1024 + 11];
        new java.util.Random(5).nextBytes(body);
        String etag = put("large/over-the-limit.bin", body);
        buckets.copy(production, "large/over-the-limit.bin", staging, "large/over-the-limit.bin", body.length, etag);
        assertArrayEquals(body, get("staging-media", "large/over-the-limit.bin"), "byte for byte");
    }

    private String put(String key, byte[] body) throws Exception {
        return s3.putObject(PutObjectArgs.builder().bucket("production-media").object(key)
                .stream(new ByteArrayInputStream(body), (long) body.length, null).build()).etag().replace("\"", "");
    }

    private byte[] get(String bucket, String key) throws Exception {
        try (InputStream in = s3.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build())) {
            return in.readAllBytes();
        }
    }
}
