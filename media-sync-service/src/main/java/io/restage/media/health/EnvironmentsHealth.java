package io.restage.media.health;

import io.minio.BucketExistsArgs;
import io.restage.common.config.BucketConfig;
import io.restage.common.config.RestageConfig;
import io.restage.common.health.EnvironmentProbes;
import io.restage.media.sync.Buckets;
import io.smallrye.health.api.HealthGroup;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;

/**
 * GET /q/health/group/environments: whether each environment's bucket exists and answers. Not part of readiness: one
 * environment's store being down must not take the service out of rotation for the others.
 */
@HealthGroup("environments")
@ApplicationScoped
public class EnvironmentsHealth implements HealthCheck {
    private final RestageConfig config;
    private final Buckets buckets = new Buckets();
    private final EnvironmentProbes probes = new EnvironmentProbes(Duration.ofSeconds(5), Duration.ofSeconds(15), Clock.systemUTC());

    public EnvironmentsHealth(RestageConfig config) {
        this.config = config;
    }

    @Override
    public HealthCheckResponse call() {
        Map<String, BucketConfig> withBucket = new TreeMap<>();
        config.environments().forEach((n, e) -> {
            if (e.bucket() != null) {
                withBucket.put(n, e.bucket());
            }
        });
        List<EnvironmentProbes.Result> results = probes.probe("bucket", withBucket, b -> {
            if (!buckets.client(b).bucketExists(BucketExistsArgs.builder().bucket(b.name()).build())) {
                throw new IllegalStateException("bucket '" + b.name() + "' does not exist");
            }
        });
        HealthCheckResponseBuilder b = HealthCheckResponse.named("environment buckets").status(EnvironmentProbes.allUp(results));
        results.forEach(r -> b.withData(r.environment(), r.detail()));
        return b.build();
    }
}
