package io.restage.media.sync;

import io.minio.BucketExistsArgs;
import io.minio.CopyObjectArgs;
import io.minio.GetObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.SourceObject;
import io.minio.StatObjectArgs;
import io.minio.messages.Item;
import io.restage.common.config.BucketConfig;
import io.restage.common.config.EnvironmentConfig;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** S3 operations restage needs, over the MinIO client, one client per endpoint and credentials. */
public final class Buckets {
    /** An object as listed: its ETag (quotes removed) and size. */
    public record ObjectInfo(String etag, long size) {
    }

    private final Map<String, MinioClient> clients = new ConcurrentHashMap<>();

    public MinioClient client(BucketConfig b) {
        return clients.computeIfAbsent(b.endpoint() + "|" + b.accessKey(), k -> MinioClient.builder()
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

    /** Every object under {@code prefix} (all when null), except restage's own {@code .restage/} area. */
    public Map<String, ObjectInfo> list(BucketConfig b, String prefix) throws Exception {
        Map<String, ObjectInfo> out = new LinkedHashMap<>();
        ListObjectsArgs.Builder args = ListObjectsArgs.builder().bucket(b.name()).recursive(true);
        if (prefix != null) {
            args.prefix(prefix);
        }
        for (Result<Item> r : client(b).listObjects(args.build())) {
            Item i = r.get();
            if (i.isDir() || (prefix == null && i.objectName().startsWith(MediaSync.RESTAGE_PREFIX))) {
                continue;
            }
            out.put(i.objectName(), new ObjectInfo(unquote(i.etag()), i.size()));
        }
        return out;
    }

    /**
     * Copies one object. Server-side when both buckets live on the same endpoint (no bytes pass through restage);
     * streamed otherwise.
     */
    public void copy(BucketConfig from, String fromKey, BucketConfig to, String toKey) throws Exception {
        if (from.endpoint().equals(to.endpoint())) {
            client(to).copyObject(CopyObjectArgs.builder().bucket(to.name()).object(toKey)
                    .source(SourceObject.builder().bucket(from.name()).object(fromKey).build()).build());
            return;
        }
        long size = client(from).statObject(StatObjectArgs.builder().bucket(from.name()).object(fromKey).build()).size();
        try (InputStream in = client(from).getObject(GetObjectArgs.builder().bucket(from.name()).object(fromKey).build())) {
            client(to).putObject(PutObjectArgs.builder().bucket(to.name()).object(toKey).stream(in, size, null).build());
        }
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

    static String unquote(String etag) {
        if (etag == null) {
            return "";
        }
        return etag.startsWith("\"") && etag.endsWith("\"") && etag.length() >= 2 ? etag.substring(1, etag.length() - 1) : etag;
    }
}
