package io.restage.orchestrator.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.restage.common.Json;
import io.restage.common.config.RestageConfig;
import io.restage.common.messages.Message;
import io.restage.orchestrator.persistence.RefreshEntity;
import io.restage.orchestrator.persistence.RefreshStore;
import io.restage.orchestrator.saga.Refresh;
import io.restage.orchestrator.saga.SagaService;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.jboss.logging.Logger;

/** Start, inspect and cancel refreshes. */
@Path("/api/refreshes")
@Produces(MediaType.APPLICATION_JSON)
public class RefreshResource {
    private static final Logger LOG = Logger.getLogger(RefreshResource.class);
    private final RefreshRequestValidator validator;
    private final SagaService saga;
    private final RefreshStore store;
    private final PolicyCheckService checks;

    public RefreshResource(RestageConfig config, SagaService saga, RefreshStore store, PolicyCheckService checks) {
        this.validator = new RefreshRequestValidator(config);
        this.saga = saga;
        this.store = store;
        this.checks = checks;
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Start a refresh", description = "Body: {source, target, confirmTarget (the target's hostname),"
            + " skipAnonymizers?, riskAcknowledgement? (I_UNDERSTAND_THE_PII_RISK when skipping), media?}."
            + " The policy is checked against the source first (as POST /api/policies/check)."
            + " 202 with the refresh and a Location header; 400/403/404/409/422/502 with {status, error, message,"
            + " problems?}; 422 policy-incomplete lists every unruled personal column and misfit rule.")
    public Uni<Response> create(@RequestBody(description = "the refresh request") String body,
                                @HeaderParam("X-Restage-Operator") String operator) {
        JsonNode json;
        try {
            json = body == null || body.isBlank() ? null : Json.MAPPER.readTree(body);
        } catch (IOException e) {
            return Uni.createFrom().item(error(new ApiError(400, "malformed-request", "the body is not valid JSON: "
                    + firstLine(e.getMessage()))));
        }
        RefreshRequestValidator.Result result = validator.validate(json);
        if (result.error() != null) {
            LOG.infof("refresh request refused (%d %s)", result.error().status(), result.error().error());
            return Uni.createFrom().item(error(result.error()));
        }
        RefreshRequestValidator.Valid v = result.valid();
        String who = operator == null || operator.isBlank() ? "anonymous" : operator.trim();
        // fail closed before anything starts: the same check runs again inside the export's snapshot (VALIDATE)
        return checks.check(v.source()).chain(report -> {
            if (!report.ok()) {
                LOG.infof("refresh request refused: the policy does not cover source '%s' (%d problems)", v.source(),
                        report.problems().size());
                return Uni.createFrom().item(error(new ApiError(422, "policy-incomplete", report.summary(),
                        report.problems().stream().map(p -> p.message()).toList())));
            }
            return checks.schemaCheck(v.source(), v.target()).chain(refusal -> {
                if (refusal != null) {
                    LOG.infof("refresh request refused (%d %s)", refusal.status(), refusal.error());
                    return Uni.createFrom().item(error(refusal));
                }
                return start(v, who);
            });
        }).onFailure(PolicyCheckService.SourceUnavailableException.class)
                .recoverWithItem(e -> error(new ApiError(502, "source-unavailable", e.getMessage())));
    }

    private Uni<Response> start(RefreshRequestValidator.Valid v, String who) {
        Refresh r = Refresh.start(Message.newId(), v.source(), v.target(), who, v.media(), v.skipAnonymizers(), Instant.now());
        return saga.start(r)
                .map(started -> {
                    LOG.infof("refresh %s: %s -> %s requested by %s (media %s, %d anonymizers skipped)", started.id,
                            started.source, started.target, who, started.media, started.skipAnonymizers.size());
                    return Response.accepted(started).location(URI.create("/api/refreshes/" + started.id)).build();
                })
                .onFailure(SagaService.TargetBusyException.class)
                .recoverWithItem(e -> error(new ApiError(409, "target-busy", e.getMessage())));
    }

    @GET
    @Operation(summary = "List refreshes, newest first")
    public Uni<List<Refresh>> list(@QueryParam("limit") Integer limit) {
        int n = limit == null ? 50 : Math.max(1, Math.min(500, limit));
        return RefreshStore.tx(() -> store.newestFirst(n))
                .map(list -> list.stream().map(e -> RefreshStore.fromJson(e.state)).toList());
    }

    @GET
    @Path("{id}")
    @Operation(summary = "One refresh: status, steps, per-table counts, anonymizers run and skipped, schema differences")
    public Uni<Response> get(@PathParam("id") String id) {
        return RefreshStore.tx(() -> store.find(id)).map(e -> e == null
                ? error(new ApiError(404, "unknown-refresh", "no refresh with id '" + id + "'"))
                : Response.ok(RefreshStore.fromJson(e.state)).build());
    }

    @POST
    @Path("{id}/cancel")
    @Operation(summary = "Cancel a running refresh before its commit; completed steps are compensated")
    public Uni<Response> cancel(@PathParam("id") String id, @HeaderParam("X-Restage-Operator") String operator) {
        String who = operator == null || operator.isBlank() ? "anonymous" : operator.trim();
        return RefreshStore.tx(() -> store.find(id)).chain(found -> {
            if (found == null) {
                return Uni.createFrom().item(error(new ApiError(404, "unknown-refresh", "no refresh with id '" + id + "'")));
            }
            return saga.cancel(id, who).chain(outcome -> {
                if (outcome.ignored()) {
                    return Uni.createFrom().item(error(new ApiError(409, "not-cancellable", "refresh " + id
                            + " cannot be cancelled: " + outcome.ignoredBecause())));
                }
                return RefreshStore.tx(() -> store.find(id))
                        .map(e -> Response.accepted(RefreshStore.fromJson(e.state)).build());
            });
        });
    }

    @POST
    @Path("{id}/undo")
    @Operation(summary = "Put back the target's data from before this refresh", description = "Only a SUCCEEDED refresh"
            + " that is the latest commit into its target, whose previous data was kept (keep-generations >= 1). One"
            + " transaction: the target is fully restored or untouched. An undo cannot be undone (start a refresh)."
            + " 202 with the refresh (status UNDOING); 404; 409 not-undoable with the reason.")
    public Uni<Response> undo(@PathParam("id") String id, @HeaderParam("X-Restage-Operator") String operator) {
        String who = operator == null || operator.isBlank() ? "anonymous" : operator.trim();
        return RefreshStore.tx(() -> store.find(id)).chain(found -> {
            if (found == null) {
                return Uni.createFrom().item(error(new ApiError(404, "unknown-refresh", "no refresh with id '" + id + "'")));
            }
            return saga.undo(id, who).chain(outcome -> {
                if (outcome.ignored()) {
                    return Uni.createFrom().item(error(new ApiError(409, "not-undoable", "refresh " + id
                            + " cannot be undone: " + outcome.ignoredBecause())));
                }
                LOG.infof("refresh %s: undo requested by %s", id, who);
                return RefreshStore.tx(() -> store.find(id))
                        .map(e -> Response.accepted(RefreshStore.fromJson(e.state)).build());
            });
        });
    }

    static Response error(ApiError e) {
        return Response.status(e.status()).type(MediaType.APPLICATION_JSON).entity(e).build();
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int i = s.indexOf('\n');
        return i < 0 ? s : s.substring(0, i);
    }

    /** For the dashboard: environment names and hostnames (never credentials). */
    @Path("/api/environments")
    public static class EnvironmentsResource {
        private final RestageConfig config;

        public EnvironmentsResource(RestageConfig config) {
            this.config = config;
        }

        @GET
        @Produces(MediaType.APPLICATION_JSON)
        @Operation(summary = "Configured environments: name, hostname, whether they accept imports and have a bucket")
        public List<Map<String, Object>> list() {
            return config.environments().values().stream()
                    .sorted((a, b) -> a.name().compareTo(b.name()))
                    .map(e -> Map.<String, Object>of("name", e.name(), "hostname", e.hostname(),
                            "allowImport", e.allowImport(), "bucket", e.bucket() != null))
                    .toList();
        }
    }
}
