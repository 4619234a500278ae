package io.restage.orchestrator.api;

import io.restage.common.config.RestageConfig;
import io.restage.common.messages.Message;
import io.restage.orchestrator.saga.Refresh;
import io.restage.orchestrator.saga.SagaService;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;

/**
 * Starts a refresh that passed the request's checks, for an operator (the REST API) or a schedule: the policy check
 * against the source first (the export runs it again inside its snapshot), then the schema versions, then the saga.
 * Either the started refresh or the refusal that says why; nothing starts on a refusal.
 */
@ApplicationScoped
public class RefreshStarter {
    /** Exactly one of the two is set. */
    public record Outcome(Refresh started, ApiError refusal) {
        static Outcome refused(ApiError e) {
            return new Outcome(null, e);
        }
    }

    private final SagaService saga;
    private final PolicyCheckService checks;
    private final RestageConfig config;

    public RefreshStarter(SagaService saga, PolicyCheckService checks, RestageConfig config) {
        this.saga = saga;
        this.checks = checks;
        this.config = config;
    }

    public Uni<Outcome> start(RefreshRequestValidator.Valid v, String requestedBy) {
        return checks.check(v.source()).chain(report -> {
            if (!report.ok()) {
                return Uni.createFrom().item(Outcome.refused(new ApiError(422, "policy-incomplete", report.summary(),
                        report.problems().stream().map(p -> p.message()).toList())));
            }
            return checks.schemaCheck(v.source(), v.target()).chain(refusal -> {
                if (refusal != null) {
                    return Uni.createFrom().item(Outcome.refused(refusal));
                }
                Refresh r = Refresh.start(Message.newId(), v.source(), v.target(), requestedBy, v.media(), v.skipAnonymizers(),
                        Instant.now());
                r.allowMediaDeletes = v.allowMediaDeletes();
                // a mirrored bucket is copied while the database pipeline runs; a copy guided by the rows waits for them
                r.mediaAlongside = v.media() && !config.policyFor(v.source()).media().guided();
                r.subset = v.subset();
                return saga.start(r).map(started -> new Outcome(started, null))
                        .onFailure(SagaService.TargetBusyException.class)
                        .recoverWithItem(e -> Outcome.refused(new ApiError(409, "target-busy", e.getMessage())));
            });
        }).onFailure(PolicyCheckService.SourceUnavailableException.class)
                .recoverWithItem(e -> Outcome.refused(new ApiError(502, "source-unavailable", e.getMessage())));
    }
}
