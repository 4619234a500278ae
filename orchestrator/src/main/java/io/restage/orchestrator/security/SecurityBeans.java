package io.restage.orchestrator.security;

import io.restage.common.config.RestageConfig;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;

/** One start limiter per orchestrator instance, shared by every request. */
public class SecurityBeans {
    @Produces
    @Singleton
    StartRateLimiter startRateLimiter(RestageConfig config) {
        return new StartRateLimiter(config.security().startsPerMinute(), Clock.systemUTC());
    }
}
