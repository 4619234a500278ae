package io.restage.media.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.minio.GetObjectArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restage.common.config.BucketConfig;
import io.restage.common.config.Secret;
import io.restage.stack.testing.StackTestResource;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * An object over the single-request copy limit of S3 (5 GiB), copied the two ways restage copies: server-side on one
 * endpoint (a multipart copy, UploadPartCopy: no byte passes through the service) and streamed between two S3 servers
 * with other endpoints and credentials (a multipart upload of 8 MiB parts: the service holds one part at a time).
 * Both copies are read back and compared by MD5 with what was written. S3Proxy refuses the server-side one (see below), so
 * it is also run on the test stack's other S3 server, S3Mock. Not part of the test command: it writes about 27 GB to the
 * embedded S3 servers' disks and takes about 8 minutes. Run it with a capped heap to see the memory bound:
 * {@code ./mvnw -q install -DskipTests && ./mvnw -q -pl media-sync-service test -Dtest=LargeObjectCopyBenchmark
 * -Dsurefire.failIfNoSpecifiedTests=false -DargLine=-Xmx256m} ({@code -Dbench.bytes=...} for another size).
 */
@QuarkusTest
@QuarkusTestResource(StackTestResource.class)
class LargeObjectCopyBenchmark {

    @Test
    void copiesAnObjectOverFiveGibibytesServerSideAndStreamedByteForByte() throws Exception {
        long size = Long.getLong("bench.bytes", Buckets.SINGLE_COPY_LIMIT + 3L * 1024 * 1024 + 7);
        var stack = StackTestResource.stack();
        MinioClient a = MinioClient.builder().endpoint(stack.s3Endpoint()).credentials(stack.s3AccessKey(), stack.s3SecretKey()).build();
        MinioClient b = MinioClient.builder().endpoint(stack.s3bEndpoint()).credentials(stack.s3bAccessKey(), stack.s3bSecretKey()).build();
        BucketConfig production = new BucketConfig(stack.s3Endpoint(), stack.s3AccessKey(), new Secret(stack.s3SecretKey()), "production-media");
        BucketConfig staging = new BucketConfig(stack.s3Endpoint(), stack.s3AccessKey(), new Secret(stack.s3SecretKey()), "staging-media");
        BucketConfig remote = new BucketConfig(stack.s3bEndpoint(), stack.s3bAccessKey(), new Secret(stack.s3bSecretKey()), "production-media");
        String key = "large/video.bin";
        try {
            long t0 = System.nanoTime();
            Generated source = new Generated(size);
            a.putObject(PutObjectArgs.builder().bucket("production-media").object(key).stream(source, size, 64L * 1024 * 1024)
                    .contentType("video/mp4").build());
            String md5 = HexFormat.of().formatHex(source.md5.digest());
            double written = (System.nanoTime() - t0) / 1e9;

            Buckets buckets = new Buckets();
            System.out.printf("%nlarge object copy: %,d bytes (%.2f GiB, over the %d GiB single-copy limit), written in %.1f s%n",
                    size, size / 1073741824.0, Buckets.SINGLE_COPY_LIMIT >> 30, written);
            resetPeaks();
            long t2 = System.nanoTime();
            buckets.copy(production, key, remote, key, size, null);
            double streamed = (System.nanoTime() - t2) / 1e9;
            long heapStreamed = peakHeap();
            StatObjectResponse far = b.statObject(StatObjectArgs.builder().bucket("production-media").object(key).build());
            assertEquals(size, far.size(), "streamed copy: size");
            assertEquals("video/mp4", far.contentType(), "the streamed copy keeps the Content-Type");
            assertEquals(md5, md5(b, "production-media", key), "streamed copy: byte for byte");
            long maxHeap = Runtime.getRuntime().maxMemory();
            assertTrue(heapStreamed < maxHeap, "the streamed copy never needed the object in memory");
            System.out.printf("  streamed to another server and account (%d MiB parts): %6.1f s, %5.0f MB/s, peak heap %d MB"
                    + " of %d MB, read back: MD5 as written%n", Buckets.PART_SIZE >> 20, streamed, size / 1e6 / streamed,
                    heapStreamed >> 20, maxHeap >> 20);

            resetPeaks();
            long t1 = System.nanoTime();
            try {
                buckets.copy(production, key, staging, key, size, null);
            } catch (io.minio.errors.ErrorResponseException e) {
                // S3Proxy's file-system store refuses a copy conditional on its own multipart ETag (a 12 MiB object in
                // three parts shows it too: HEAD says "...-3", x-amz-copy-source-if-match with it gives 412), and the
                // MinIO client pins every UploadPartCopy to the ETag it read. S3 and MinIO accept it.
                assertEquals("PreconditionFailed", e.errorResponse().code(), e.toString());
                System.out.printf("  server-side (multipart copy, UploadPartCopy): refused by this S3 server (S3Proxy): %s%n",
                        e.errorResponse().code());
                t1 = 0;
            }
            if (t1 != 0) {
                double serverSide = (System.nanoTime() - t1) / 1e9;
                long heapServerSide = peakHeap();
                StatObjectResponse copied = a.statObject(StatObjectArgs.builder().bucket("staging-media").object(key).build());
                assertEquals(size, copied.size(), "server-side copy: size");
                assertEquals(md5, md5(a, "staging-media", key), "server-side copy: byte for byte");
                System.out.printf("  server-side (multipart copy, UploadPartCopy): %6.1f s, %5.0f MB/s, peak heap %d MB, read back:"
                        + " MD5 as written%n", serverSide, size / 1e6 / serverSide, heapServerSide >> 20);
            }
            serverSideOnS3Mock(size, key);
        } finally {
            for (var target : new Object[][]{{a, "production-media"}, {a, "staging-media"}, {b, "production-media"}}) {
                ((MinioClient) target[0]).removeObject(RemoveObjectArgs.builder().bucket((String) target[1]).object(key).build());
            }
            System.out.println("  (objects removed)");
        }
    }

    /**
     * The server-side multipart copy on the other S3 server of the test stack (S3Mock, which accepts UploadPartCopy
     * pinned to a multipart ETag): the object uploaded there in 8 MiB parts, then copied between two of its buckets.
     * The copy's limit is lowered to half the object, so a small {@code bench.bytes} takes the same path.
     */
    private static void serverSideOnS3Mock(long size, String key) throws Exception {
        String endpoint = StackTestResource.versionedS3().orElseThrow(() -> new IllegalStateException(
                "the test stack's S3Mock is not running: run through Maven, whose build copies its jar")).endpoint();
        MinioClient v = MinioClient.builder().endpoint(endpoint).credentials("versioned", "versioned-secret").build();
        if (!v.bucketExists(io.minio.BucketExistsArgs.builder().bucket("large-source").build())) {
            v.makeBucket(io.minio.MakeBucketArgs.builder().bucket("large-source").build());
        }
        BucketConfig from = new BucketConfig(endpoint, "versioned", new Secret("versioned-secret"), "large-source");
        BucketConfig to = new BucketConfig(endpoint, "versioned", new Secret("versioned-secret"), "staging-media");
        try {
            long t0 = System.nanoTime();
            Generated source = new Generated(size);
            uploadWithoutChecksums(endpoint, "large-source", key, source, size);
            String md5 = HexFormat.of().formatHex(source.md5.digest());
            String etag = v.statObject(StatObjectArgs.builder().bucket("large-source").object(key).build()).etag();
            System.out.printf("  on S3Mock: written in %.1f s as a multipart upload (ETag %s)%n", (System.nanoTime() - t0) / 1e9, etag);
            Buckets buckets = new Buckets(limitFor(size));
            resetPeaks();
            long t1 = System.nanoTime();
            buckets.copy(from, key, to, key, size, null);
            double serverSide = (System.nanoTime() - t1) / 1e9;
            long heap = peakHeap();
            StatObjectResponse copied = v.statObject(StatObjectArgs.builder().bucket("staging-media").object(key).build());
            assertEquals(size, copied.size(), "server-side copy on S3Mock: size");
            assertEquals(md5, md5(v, "staging-media", key), "server-side copy on S3Mock: byte for byte");
            System.out.printf("  server-side on S3Mock (multipart copy, UploadPartCopy above %d MiB): %6.1f s, %5.0f MB/s,"
                    + " peak heap %d MB, read back: MD5 as written%n", limitFor(size) >> 20,
                    serverSide, size / 1e6 / serverSide, heap >> 20);
        } finally {
            Buckets buckets = new Buckets();
            for (BucketConfig b : new BucketConfig[]{from, to}) {
                for (Buckets.Version version : buckets.versions(b, key)) { // every version: the bucket may keep them
                    buckets.removeVersion(b, key, version.versionId());
                }
            }
        }
    }

    /** S3's single-copy limit, or half the object when it is smaller (a quick run takes the multipart-copy path too). */
    private static long limitFor(long size) {
        return size > Buckets.SINGLE_COPY_LIMIT ? Buckets.SINGLE_COPY_LIMIT : size / 2;
    }

    /**
     * A multipart upload in {@link Buckets#PART_SIZE} parts through the client's low-level calls. Its {@code putObject}
     * creates every upload with {@code x-amz-checksum-algorithm: crc32c} and completes it with the part checksums that
     * the UploadPart responses echo, as S3 does; S3Mock does not echo them and then refuses the completion ("the
     * complete request must include the checksum for each part").
     */
    private static void uploadWithoutChecksums(String endpoint, String bucket, String key, InputStream in, long size)
            throws Exception {
        io.minio.MinioAsyncClient s3 = io.minio.MinioAsyncClient.builder().endpoint(endpoint)
                .credentials("versioned", "versioned-secret").build();
        String uploadId = s3.createMultipartUpload(io.minio.CreateMultipartUploadArgs.builder().bucket(bucket).object(key)
                .build()).get().result().uploadId();
        java.util.List<io.minio.messages.Part> parts = new java.util.ArrayList<>();
        byte[] buf = new byte[(int) Buckets.PART_SIZE];
        for (long done = 0; done < size; ) {
            int n = in.readNBytes(buf, 0, (int) Math.min(buf.length, size - done));
            io.minio.UploadPartResponse r = s3.uploadPart(io.minio.UploadPartArgs.builder().bucket(bucket).object(key)
                    .uploadId(uploadId).partNumber(parts.size() + 1).data(buf, n).build()).get();
            parts.add(new io.minio.messages.Part(parts.size() + 1, r.part().etag()));
            done += n;
        }
        s3.completeMultipartUpload(io.minio.CompleteMultipartUploadArgs.builder().bucket(bucket).object(key)
                .uploadId(uploadId).parts(parts.toArray(new io.minio.messages.Part[0])).build()).get();
    }

    private static String md5(MinioClient s3, String bucket, String key) throws Exception {
        MessageDigest md = MessageDigest.getInstance("MD5");
        byte[] buf = new byte[1 << 20];
        try (InputStream in = s3.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build())) {
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static void resetPeaks() {
        System.gc();
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            p.resetPeakUsage();
        }
    }

    /** The sum of the heap pools' peaks since {@link #resetPeaks}: an upper bound of what the copy held. */
    private static long peakHeap() {
        long sum = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP && p.getPeakUsage() != null) {
                sum += p.getPeakUsage().getUsed();
            }
        }
        return sum;
    }

    /** {@code size} bytes of a xorshift sequence (incompressible, never held whole), MD5-summed as they are read. */
    private static final class Generated extends InputStream {
        private final long size;
        private long pos;
        private long state = 0x9E3779B97F4A7C15L;
        final MessageDigest md5;

        Generated(long size) throws Exception {
            this.size = size;
            this.md5 = MessageDigest.getInstance("MD5");
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (pos >= size) {
                return -1;
            }
            int n = (int) Math.min(len, size - pos);
            for (int i = 0; i < n; i++) {
                if (((pos + i) & 7) == 0) {
                    state ^= state << 13;
                    state ^= state >>> 7;
                    state ^= state << 17;
                }
                b[off + i] = (byte) (state >>> (((pos + i) & 7) * 8));
            }
            md5.update(b, off, n);
            pos += n;
            return n;
        }
    }
}
