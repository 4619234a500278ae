package io.restage.orchestrator.api;

import io.restage.common.Failures;
import io.restage.common.config.Connections;
import io.restage.common.config.EnvironmentConfig;
import io.restage.common.config.RestageConfig;
import io.restage.common.policy.PolicyChecker;
import io.restage.common.policy.PolicyReport;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;

/**
 * Runs the policy check against a source for the dry run and before a refresh is accepted. JDBC blocks, so it runs
 * on a worker thread and hands the result back on the caller's event loop (where the saga's persistence runs).
 */
@ApplicationScoped
public class PolicyCheckService {

    /** The source could not be read: says which and why, never a credential. */
    public static final class SourceUnavailableException extends RuntimeException {
        SourceUnavailableException(String message) {
            super(message);
        }
    }

    private final RestageConfig config;
    private final Vertx vertx;

    public PolicyCheckService(RestageConfig config, Vertx vertx) {
        this.config = config;
        this.vertx = vertx;
    }

    public Uni<PolicyReport> check(String source) {
        EnvironmentConfig env = config.environment(source);
        return vertx.executeBlocking(Uni.createFrom().item(() -> {
            try (Connection c = Connections.open(env, "restage-policy-check")) {
                c.setAutoCommit(false);
                c.setReadOnly(true);
                try {
                    return PolicyChecker.check(c, source, config.policyFor(source));
                } finally {
                    c.rollback();
                }
            } catch (Exception e) {
                throw new SourceUnavailableException("cannot check the policy against source '" + source + "': "
                        + Failures.describe(e));
            }
        }));
    }
}
