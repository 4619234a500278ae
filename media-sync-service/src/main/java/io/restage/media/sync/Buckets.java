package io.restage.media.sync;

import io.minio.BucketExistsArgs;
import io.minio.ComposeObjectArgs;
import io.minio.CopyObjectArgs;
import io.minio.GetObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.RemoveObjectsArgs;
import io.minio.Result;
import io.minio.SourceObject;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import io.minio.messages.DeleteRequest;
import io.minio.messages.DeleteResult;
import io.minio.messages.Item;
import io.restage.common.config.BucketConfig;
import io.restage.common.config.EnvironmentConfig;
import io.restage.media.plan.Listed;
import io.restage.media.plan.Sorted;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * S3 operations restage needs, over the MinIO client, one client per endpoint and credentials. Listings stream (a
 * page of 1,000 keys at a time, never a whole bucket in memory). A copy is server-side when the target's credentials
 * can read the source (same endpoint, and the same account or one the source lets read); otherwise it streams through
 * this service in parts of {@link #PART_SIZE}, so memory per copy stays bounded whatever the object's size.
 */
public final class Buckets {
    /** What the S3 API copies in one request; larger objects are copied as a multipart copy (UploadPartCopy). */
    static final long SINGLE_COPY_LIMIT = 5L * 1024 * 1024 * 1024;
    /** Part size of a streamed copy (multipart above it): at most this much of an object is held per copy. */
    static final long PART_SIZE = 8L * 1024 * 1024;

    /** An object as listed: its ETag (quotes removed) and size. */
    public record ObjectInfo(String etag, long size) {
    }

    /** What a HEAD tells: size, ETag, Content-Type and the version (null where the bucket keeps none). */
    public record Stat(long size, String etag, String contentType, String versionId) {
    }

    /** One version of an object (or a delete marker), as a versioned listing names it. */
    public record Version(String versionId, boolean latest, boolean deleteMarker) {
    }

    private final Map<String, MinioClient> clients = new ConcurrentHashMap<>();
    private final Map<String, Boolean> serverSide = new ConcurrentHashMap<>();
    /** From this size on a server-side copy is a multipart copy: S3's limit, lower only in a test of that path. */
    private final long singleCopyLimit;

    public Buckets() {
        this(SINGLE_COPY_LIMIT);
    }

    Buckets(long singleCopyLimit) {
        this.singleCopyLimit = singleCopyLimit;
    }

    /**
     * Requests in flight per S3 endpoint. The MinIO client runs its requests on OkHttp's dispatcher, which by default
     * lets only 5 run per host: 16 copiers then queue behind 5 connections (measured: 3,000 copies 10.5 s, 3x rclone).
     */
    static final int MAX_REQUESTS_PER_HOST = 128;
    /** One HTTP client (dispatcher and connection pool) for every endpoint and credentials. */
    private final okhttp3.OkHttpClient http = http();

    static okhttp3.OkHttpClient http() {
        okhttp3.Dispatcher d = new okhttp3.Dispatcher();
        d.setMaxRequests(MAX_REQUESTS_PER_HOST * 4);
        d.setMaxRequestsPerHost(MAX_REQUESTS_PER_HOST);
        // the MinIO defaults (timeouts, HTTP/1.1, its retry interceptor, a CA bundle from the environment) kept
        return io.minio.Http.newDefaultClient().newBuilder().dispatcher(d)
                .connectionPool(new okhttp3.ConnectionPool(64, 5, java.util.concurrent.TimeUnit.MINUTES)).build();
    }

    public MinioClient client(BucketConfig b) {
        return clients.computeIfAbsent(b.endpoint() + "|" + b.accessKey(), k -> MinioClient.builder().httpClient(http)
                .endpoint(b.endpoint()).credentials(b.accessKey(), b.secretKey().reveal()).build());
    }

    public static BucketConfig bucketOf(EnvironmentConfig env) {
        if (env.bucket() == null) {
            throw new IllegalArgumentException("environment '" + env.name() + "' has no bucket configured"
                    + " (environments." + env.name() + ".bucket): configure one or request the refresh with \"media\": false");
        }
        return env.bucket();
    }

    public void requireBucket(BucketConfig b) throws Exception {
        if (!client(b).bucketExists(BucketExistsArgs.builder().bucket(b.name()).build())) {
            throw new IllegalArgumentException("bucket '" + b.name() + "' does not exist at " + b.endpoint());
        }
    }

    /**
     * Every object under {@code prefix} (all when null, except restage's own {@code .restage/} area), streamed in key
     * order; stops with an error if the store lists out of order.
     */
    public Iterator<Listed> listing(BucketConfig b, String prefix, String what) {
        ListObjectsArgs.Builder args = ListObjectsArgs.builder().bucket(b.name()).recursive(true);
        if (prefix != null) {
            args.prefix(prefix);
        }
        Iterator<Result<Item>> pages = client(b).listObjects(args.build()).iterator();
        Iterator<Listed> raw = new io.restage.media.plan.Filtered<>(() -> {
            while (pages.hasNext()) {
                Item i;
                try {
                    i = pages.next().get();
                } catch (Exception e) {
                    throw new IllegalStateException("listing bucket '" + b.name() + "' failed: "
                            + io.restage.common.Failures.describe(e), e);
                }
                if (i.isDir() || (prefix == null && i.objectName().startsWith(MediaSync.RESTAGE_PREFIX))) {
                    continue;
                }
                return new Listed(i.objectName(), unquote(i.etag()), i.size());
            }
            return null;
        });
        return new Sorted<>(raw, Listed::key, what);
    }

    /** Every object under {@code prefix} in memory: only for restage's own small areas (a refresh's backups). */
    public Map<String, ObjectInfo> list(BucketConfig b, String prefix) throws Exception {
        Map<String, ObjectInfo> out = new LinkedHashMap<>();
        listing(b, prefix, "bucket '" + b.name() + "'").forEachRemaining(l -> out.put(l.key(), new ObjectInfo(l.etag(), l.size())));
        return out;
    }

    public Stat stat(BucketConfig b, String key) throws Exception {
        StatObjectResponse r = client(b).statObject(StatObjectArgs.builder().bucket(b.name()).object(key).build());
        return new Stat(r.size(), unquote(r.etag()), r.contentType(), r.versionId());
    }

    /**
     * Whether the bucket keeps every version of its objects (versioning {@code Enabled}; not when it was never enabled
     * or is suspended, where an overwrite replaces the {@code null} version).
     */
    public boolean versioned(BucketConfig b) throws Exception {
        io.minio.messages.VersioningConfiguration v;
        try {
            v = client(b).getBucketVersioning(io.minio.GetBucketVersioningArgs.builder().bucket(b.name()).build());
        } catch (io.minio.errors.ErrorResponseException | io.minio.errors.ServerException | io.minio.errors.InvalidResponseException e) {
            // a store without versioning (S3Proxy answers 501) or credentials that may not ask: copies kept aside
            return false;
        }
        return v != null && v.status() == io.minio.messages.VersioningConfiguration.Status.ENABLED;
    }

    /** Every version and delete marker of exactly {@code key} (a versioned listing by prefix, other keys dropped). */
    public List<Version> versions(BucketConfig b, String key) throws Exception {
        List<Version> out = new ArrayList<>();
        for (Result<Item> r : client(b).listObjects(ListObjectsArgs.builder().bucket(b.name()).prefix(key)
                .recursive(true).includeVersions(true).build())) {
            Item i = r.get();
            if (key.equals(i.objectName())) {
                out.add(new Version(i.versionId(), i.isLatest(), i.isDeleteMarker()));
            }
        }
        return out;
    }

    /** Deletes one version (or delete marker) of an object for good. */
    public void removeVersion(BucketConfig b, String key, String versionId) throws Exception {
        client(b).removeObject(RemoveObjectArgs.builder().bucket(b.name()).object(key).versionId(versionId).build());
    }

    /** The first {@code n} bytes of an object (a ranged GET): enough for an image's header. */
    public byte[] head(BucketConfig b, String key, long n) throws Exception {
        try (InputStream in = client(b).getObject(GetObjectArgs.builder().bucket(b.name()).object(key).offset(0L).length(n).build())) {
            return in.readNBytes((int) n);
        }
    }

    public void put(BucketConfig b, String key, byte[] bytes, String contentType) throws Exception {
        client(b).putObject(PutObjectArgs.builder().bucket(b.name()).object(key)
                .stream(new ByteArrayInputStream(bytes), (long) bytes.length, null).contentType(contentType).build());
    }

    /** Copies within one bucket (backups, placeholders): always server-side. Answers the version written (or null). */
    public String copyWithin(BucketConfig b, String fromKey, String toKey, long size) throws Exception {
        return serverCopy(b, fromKey, b, toKey, size, null);
    }

    /**
     * Copies one object of {@code size} bytes. Server-side when the target's credentials can read the source (no bytes
     * pass through restage; multipart copy above 5 GiB); streamed otherwise. {@code etag}: the source's ETag as
     * listed (or null): the copy then needs no HEAD of the source first, and copies only that version (an object
     * changed since the listing is copied as it is now, after a HEAD). Answers the version the copy wrote, where the
     * target bucket keeps versions (null otherwise).
     */
    public String copy(BucketConfig from, String fromKey, BucketConfig to, String toKey, long size, String etag) throws Exception {
        if (canCopyServerSide(from, fromKey, to)) {
            return serverCopy(from, fromKey, to, toKey, size, etag);
        }
        try (io.minio.GetObjectResponse in = client(from).getObject(GetObjectArgs.builder().bucket(from.name()).object(fromKey).build())) {
            String type = in.headers().get("Content-Type");
            return client(to).putObject(PutObjectArgs.builder().bucket(to.name()).object(toKey)
                    .stream(in, size, size > PART_SIZE ? PART_SIZE : null)
                    .contentType(type == null ? "application/octet-stream" : type).build()).versionId();
        }
    }

    private String serverCopy(BucketConfig from, String fromKey, BucketConfig to, String toKey, long size, String etag)
            throws Exception {
        SourceObject src = SourceObject.builder().bucket(from.name()).object(fromKey).build();
        if (size > singleCopyLimit) {
            // a mutable list: the client replaces each source with its sized copy in place (an immutable one made every
            // copy over 5 GiB fail with UnsupportedOperationException, found by LargeObjectCopyBenchmark)
            List<SourceObject> sources = new java.util.ArrayList<>(List.of(src));
            return client(to).composeObject(ComposeObjectArgs.builder().bucket(to.name()).object(toKey).sources(sources).build())
                    .versionId();
        }
        if (etag != null && !etag.isEmpty()) {
            // size and ETag known from the listing: the client skips its HEAD of the source (one request per object,
            // not two), and the copy is conditional on the ETag (x-amz-copy-source-if-match)
            try {
                return client(to).copyObject(CopyObjectArgs.builder().bucket(to.name()).object(toKey)
                        .source(new SourceObject(src, size, etag)).build()).versionId();
            } catch (io.minio.errors.ErrorResponseException e) {
                if (!"PreconditionFailed".equals(e.errorResponse().code())) {
                    throw e;
                }
                // changed since it was listed: copied as it is now, like any object the listing did not pin
            }
        }
        return client(to).copyObject(CopyObjectArgs.builder().bucket(to.name()).object(toKey).source(src).build()).versionId();
    }

    /**
     * Whether the target's client can read the source: only on the same endpoint; with the same credentials at once,
     * otherwise by asking once per pair of buckets (a HEAD of the object with the target's credentials).
     */
    boolean canCopyServerSide(BucketConfig from, String probeKey, BucketConfig to) throws Exception {
        if (!from.endpoint().equals(to.endpoint())) {
            return false;
        }
        if (from.accessKey().equals(to.accessKey())) {
            return true;
        }
        String pair = from.endpoint() + "|" + from.name() + "|" + to.accessKey();
        Boolean known = serverSide.get(pair);
        if (known != null) {
            return known;
        }
        boolean readable;
        try {
            client(to).statObject(StatObjectArgs.builder().bucket(from.name()).object(probeKey).build());
            readable = true;
        } catch (io.minio.errors.ErrorResponseException e) {
            String code = e.errorResponse().code();
            if (!"AccessDenied".equals(code) && !"InvalidAccessKeyId".equals(code) && !"SignatureDoesNotMatch".equals(code)) {
                throw e;
            }
            readable = false;
        }
        serverSide.put(pair, readable);
        return readable;
    }

    public boolean exists(BucketConfig b, String key) throws Exception {
        try {
            client(b).statObject(StatObjectArgs.builder().bucket(b.name()).object(key).build());
            return true;
        } catch (io.minio.errors.ErrorResponseException e) {
            if ("NoSuchKey".equals(e.errorResponse().code()) || "NoSuchObject".equals(e.errorResponse().code())) {
                return false;
            }
            throw e;
        }
    }

    /** Deleting an object that is not there is not an error (S3 semantics), which keeps compensation idempotent. */
    public void remove(BucketConfig b, String key) throws Exception {
        client(b).removeObject(RemoveObjectArgs.builder().bucket(b.name()).object(key).build());
    }

    /** Deletes up to 1,000 keys in one request; throws naming how many the store refused. */
    public void removeAll(BucketConfig b, List<String> keys) throws Exception {
        if (keys.isEmpty()) {
            return;
        }
        List<DeleteRequest.Object> objects = new ArrayList<>(keys.size());
        keys.forEach(k -> objects.add(new DeleteRequest.Object(k)));
        int failed = 0;
        String first = null;
        // lazy in the 9.x client: nothing is deleted until the results are read
        for (Result<DeleteResult.Error> r : client(b).removeObjects(RemoveObjectsArgs.builder().bucket(b.name()).objects(objects).build())) {
            DeleteResult.Error e = r.get();
            failed++;
            if (first == null) {
                first = e.code();
            }
        }
        if (failed > 0) {
            throw new IllegalStateException(failed + " of " + keys.size() + " deletions in bucket '" + b.name()
                    + "' were refused (first: " + first + ")");
        }
    }

    static String unquote(String etag) {
        if (etag == null) {
            return "";
        }
        return etag.startsWith("\"") && etag.endsWith("\"") && etag.length() >= 2 ? etag.substring(1, etag.length() - 1) : etag;
    }
}
