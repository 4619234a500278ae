package io.restage.export.health;

import io.restage.common.config.RestageConfig;
import io.restage.common.health.EnvironmentProbes;
import io.smallrye.health.api.HealthGroup;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;

/**
 * GET /q/health/group/environments: whether each environment's database this service uses answers. Not part of
 * readiness: one environment being down must not take the service out of rotation for the others.
 */
@HealthGroup("environments")
@ApplicationScoped
public class EnvironmentsHealth implements HealthCheck {
    private final RestageConfig config;
    private final EnvironmentProbes probes = new EnvironmentProbes(Duration.ofSeconds(5), Duration.ofSeconds(15), Clock.systemUTC());

    public EnvironmentsHealth(RestageConfig config) {
        this.config = config;
    }

    @Override
    public HealthCheckResponse call() {
        List<EnvironmentProbes.Result> results = probes.probe("database", EnvironmentProbes.environments(config, false),
                EnvironmentProbes.database(5));
        HealthCheckResponseBuilder b = HealthCheckResponse.named("environment databases (sources the export reads)").status(EnvironmentProbes.allUp(results));
        results.forEach(r -> b.withData(r.environment(), r.detail()));
        return b.build();
    }
}
