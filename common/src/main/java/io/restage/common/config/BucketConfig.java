package io.restage.common.config;

/** An environment's S3 bucket: endpoint (any S3-compatible service), credentials and bucket name. */
public record BucketConfig(String endpoint, String accessKey, Secret secretKey, String name) {
}
