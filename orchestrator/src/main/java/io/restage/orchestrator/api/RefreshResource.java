package io.restage.orchestrator.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.security.identity.SecurityIdentity;
import io.restage.common.Json;
import io.restage.common.config.EnvironmentConfig;
import io.restage.common.config.RestageConfig;
import io.restage.common.messages.Message;
import io.restage.orchestrator.audit.AuditLog;
import io.restage.orchestrator.persistence.RefreshStore;
import io.restage.orchestrator.saga.Refresh;
import io.restage.orchestrator.saga.RefreshStatus;
import io.restage.orchestrator.saga.SagaService;
import io.restage.orchestrator.saga.Transitions;
import io.restage.orchestrator.security.AccessPolicy;
import io.restage.orchestrator.security.StartRateLimiter;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
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
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.jboss.logging.Logger;

/**
 * Start, inspect, cancel and undo refreshes. Every route needs a verified bearer token: {@code viewer} reads,
 * {@code operator} changes. The recorded operator is the token's identity. Every start, cancel, undo and every refusal
 * is written to the audit log.
 */
@Path("/api/refreshes")
@Produces(MediaType.APPLICATION_JSON)
public class RefreshResource {
    private static final Logger LOG = Logger.getLogger(RefreshResource.class);
    /** Refresh ids are UUIDs; anything else is refused before it reaches the database or a message. */
    private static final Pattern REFRESH_ID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private final RestageConfig config;
    private final RefreshRequestValidator validator;
    private final SagaService saga;
    private final RefreshStore store;
    private final AuditLog audit;
    private final AccessPolicy access;
    private final StartRateLimiter limiter;
    private final SecurityIdentity identity;

    private final RefreshStarter starter;

    public RefreshResource(RestageConfig config, SagaService saga, RefreshStore store,
                           AuditLog audit, StartRateLimiter limiter, SecurityIdentity identity, RefreshStarter starter) {
        this.starter = starter;
        this.config = config;
        this.validator = new RefreshRequestValidator(config);
        this.saga = saga;
        this.store = store;
        this.audit = audit;
        this.access = new AccessPolicy(config.security());
        this.limiter = limiter;
        this.identity = identity;
    }

    @POST
    @RolesAllowed(AccessPolicy.OPERATOR)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Start a refresh (operator)", description = "Body: {source, target, confirmTarget (the target's"
            + " hostname), skipAnonymizers?, riskAcknowledgement? (I_UNDERSTAND_THE_PII_RISK when skipping), media?}."
            + " The policy is checked against the source first (as POST /api/policies/check)."
            + " 202 with the refresh and a Location header; 400/401/403/404/409/413/415/422/429/502 with {status, error,"
            + " message, problems?}; 422 policy-incomplete lists every unruled personal column and misfit rule.")
    @APIResponse(responseCode = "202", description = "accepted: the refresh, with a Location header", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Refresh.class)))
    @APIResponse(responseCode = "400", description = "malformed-request", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "401", description = "no valid bearer token (unauthenticated)", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "403", description = "not staff, or without the role the route needs (not-staff, role-required, target-not-allowed, target-is-source, import-not-allowed)", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "404", description = "unknown-environment", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "409", description = "target-busy, schema-too-new", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "413", description = "body over 64 KiB", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "415", description = "not application/json", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "422", description = "confirmation-mismatch, risk-not-acknowledged, unknown-anonymizer, no-bucket, policy-incomplete (problems lists each), source-writable, schema-version-unknown, target-column-required", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "429", description = "too-many-starts (Retry-After says when)", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "502", description = "source-unavailable", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public Uni<Response> create(@RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = io.restage.common.api.RefreshRequest.class))) String body) {
        Caller who = Caller.of(identity);
        // every attempt counts, valid or not: each valid one reads the source for the policy check
        long wait = limiter.tryStart(who.identity());
        if (wait > 0) {
            ApiError e = new ApiError(429, "too-many-starts", who.identity() + " tried to start "
                    + config.security().startsPerMinute() + " refreshes in the last minute (security.starts-per-minute):"
                    + " try again in " + wait + " s");
            return audit.record(line(who, "start", null, null, null, null, e))
                    .replaceWith(Response.status(429).header("Retry-After", wait).type(MediaType.APPLICATION_JSON).entity(e).build());
        }
        JsonNode json;
        try {
            json = body == null || body.isBlank() ? null : Json.MAPPER.readTree(body);
        } catch (IOException e) {
            return refuse(who, "start", null, null, (List<String>) null, new ApiError(400, "malformed-request", "the body is not valid JSON:"
                    + " send {\"source\": ..., \"target\": ..., \"confirmTarget\": ...}"));
        }
        RefreshRequestValidator.Result result = validator.validate(json);
        if (result.error() != null) {
            return refuse(who, "start", text(json, "source"), text(json, "target"), (List<String>) null, result.error());
        }
        RefreshRequestValidator.Valid v = result.valid();
        if (!access.mayActOn(v.target(), who.email(), who.groups())) {
            return refuse(who, "start", v.source(), v.target(), v.skipAnonymizers(), targetForbidden(who, v.target()));
        }
        // fail closed before anything starts: the same check runs again inside the export's snapshot (VALIDATE)
        return starter.start(v, who.identity()).chain(o -> {
            if (o.refusal() != null) {
                return refuse(who, "start", v.source(), v.target(), v.skipAnonymizers(), o.refusal());
            }
            Refresh started = o.started();
            LOG.infof("refresh %s: %s -> %s requested by %s (media %s, %d anonymizers skipped)", started.id,
                    started.source, started.target, who.identity(), started.media, started.skipAnonymizers.size());
            return audit.record(new AuditLog.Line(who.identity(), "start", v.source(), v.target(), started.id,
                            v.skipAnonymizers(), 202, "accepted", null))
                    .replaceWith(Response.accepted(started).location(URI.create("/api/refreshes/" + started.id)).build());
        });
    }

    @GET
    @RolesAllowed(AccessPolicy.VIEWER)
    @Operation(summary = "List refreshes, newest first (viewer)", description = "Query: limit (1-500, default 50),"
            + " target (an environment), status (RUNNING, SUCCEEDED, ...), before (an ISO-8601 instant: the createdAt of the"
            + " previous page's last item, for the next page). 400 for a malformed filter.")
    @APIResponse(responseCode = "200", description = "the refreshes, newest first", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(type = SchemaType.ARRAY, implementation = Refresh.class)))
    @APIResponse(responseCode = "400", description = "malformed-request (a filter)", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "401", description = "no valid bearer token (unauthenticated)", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "403", description = "not staff, or without the role the route needs (not-staff, role-required)", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public Uni<Response> list(@QueryParam("limit") Integer limit, @QueryParam("target") String target,
                              @QueryParam("status") String status, @QueryParam("before") String before) {
        int n = limit == null ? 50 : Math.max(1, Math.min(500, limit));
        if (target != null && !RefreshRequestValidator.ENVIRONMENT_NAME.matcher(target).matches()) {
            return Uni.createFrom().item(error(new ApiError(400, "malformed-request", "query 'target' must be an environment"
                    + " name: configured are " + new java.util.TreeSet<>(config.environments().keySet()))));
        }
        if (status != null && java.util.Arrays.stream(RefreshStatus.values()).noneMatch(s -> s.name().equals(status))) {
            return Uni.createFrom().item(error(new ApiError(400, "malformed-request", "query 'status' must be one of "
                    + java.util.Arrays.toString(RefreshStatus.values()))));
        }
        Instant cursor;
        try {
            cursor = before == null ? null : Instant.parse(before);
        } catch (java.time.format.DateTimeParseException e) {
            return Uni.createFrom().item(error(new ApiError(400, "malformed-request", "query 'before' must be an ISO-8601"
                    + " instant such as 2026-01-31T08:00:00Z (the createdAt of the previous page's last refresh)")));
        }
        return RefreshStore.tx(() -> store.newestFirst(n, target, status, cursor))
                .map(list -> Response.ok(list.stream().map(e -> RefreshStore.fromJson(e.state)).toList()).build());
    }

    @GET
    @Path("{id}")
    @RolesAllowed(AccessPolicy.VIEWER)
    @Operation(summary = "One refresh (viewer): status, steps, per-table counts, anonymizers run and skipped, schema differences")
    @APIResponse(responseCode = "200", description = "the refresh", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Refresh.class)))
    @APIResponse(responseCode = "401", description = "no valid bearer token (unauthenticated)", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "403", description = "not staff, or without the role the route needs (not-staff, role-required)", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "404", description = "unknown-refresh", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public Uni<Response> get(@PathParam("id") String id) {
        if (!REFRESH_ID.matcher(id).matches()) {
            return Uni.createFrom().item(error(unknownRefresh(id)));
        }
        return RefreshStore.tx(() -> store.find(id)).map(e -> e == null
                ? error(unknownRefresh(id))
                : Response.ok(RefreshStore.fromJson(e.state)).build());
    }

    @POST
    @Path("{id}/cancel")
    @RolesAllowed(AccessPolicy.OPERATOR)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Cancel a running refresh before its commit (operator); completed steps are compensated",
            description = "Body: {} (JSON, so no cross-site form can post it). 202; 404; 409 not-cancellable.")
    @APIResponse(responseCode = "202", description = "cancel accepted: the refresh", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Refresh.class)))
    @APIResponse(responseCode = "400", description = "malformed-request", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "401", description = "no valid bearer token (unauthenticated)", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "403", description = "not staff, or without the role the route needs (not-staff, role-required)", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "404", description = "unknown-refresh", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "409", description = "not-cancellable", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public Uni<Response> cancel(@PathParam("id") String id, @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = io.restage.common.api.EmptyRequest.class))) String body) {
        Caller who = Caller.of(identity);
        ApiError malformed = jsonObject(body, Map.of());
        if (malformed != null || !REFRESH_ID.matcher(id).matches()) {
            return refuseFor(who, "cancel", null, null, id, malformed != null ? malformed : unknownRefresh(id));
        }
        return RefreshStore.tx(() -> store.find(id)).chain(found -> {
            if (found == null) {
                return refuseFor(who, "cancel", null, null, id, unknownRefresh(id));
            }
            if (!access.mayActOn(found.target, who.email(), who.groups())) {
                return refuseFor(who, "cancel", found.source, found.target, id, targetForbidden(who, found.target));
            }
            return saga.cancel(id, who.identity()).chain(outcome -> {
                if (outcome.ignored()) {
                    return refuseFor(who, "cancel", found.source, found.target, id, new ApiError(409, "not-cancellable",
                            "refresh " + id + " cannot be cancelled: " + outcome.ignoredBecause()));
                }
                return audit.record(new AuditLog.Line(who.identity(), "cancel", found.source, found.target, id, null, 202,
                                "accepted", null))
                        .chain(() -> RefreshStore.tx(() -> store.find(id)))
                        .map(e -> Response.accepted(RefreshStore.fromJson(e.state)).build());
            });
        });
    }

    @POST
    @Path("{id}/undo")
    @RolesAllowed(AccessPolicy.OPERATOR)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Put back the target's data from before this refresh (operator)", description = "Body:"
            + " {confirmTarget: the target's hostname}. Only a SUCCEEDED refresh that is the latest commit into its"
            + " target, whose previous data was kept (keep-generations >= 1). One transaction: the target is fully"
            + " restored or untouched. An undo cannot be undone (start a refresh). 202 with the refresh (status"
            + " UNDOING); 400; 404; 409 not-undoable with the reason; 422 confirmation-mismatch.")
    @APIResponse(responseCode = "202", description = "undo accepted: the refresh (UNDOING)", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Refresh.class)))
    @APIResponse(responseCode = "400", description = "malformed-request", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "401", description = "no valid bearer token (unauthenticated)", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "403", description = "not staff, or without the role the route needs (not-staff, role-required)", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "404", description = "unknown-refresh", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "409", description = "not-undoable", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "422", description = "confirmation-mismatch", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public Uni<Response> undo(@PathParam("id") String id, @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = io.restage.common.api.ConfirmRequest.class))) String body) {
        Caller who = Caller.of(identity);
        ApiError malformed = jsonObject(body, Map.of("confirmTarget", true));
        if (malformed != null || !REFRESH_ID.matcher(id).matches()) {
            return refuseFor(who, "undo", null, null, id, malformed != null ? malformed : unknownRefresh(id));
        }
        String confirm = text(readQuietly(body), "confirmTarget");
        return confirmedChange(who, "undo", id, confirm, "not-undoable", "undone", null, () -> saga.undo(id, who.identity()));
    }

    @POST
    @Path("{id}/abort")
    @RolesAllowed(AccessPolicy.OPERATOR)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Force-fail a stuck refresh or undo (operator)", description = "Body: {confirmTarget: the"
            + " target's hostname, reason: why (up to 500 characters)}. For a refresh whose participant does not answer:"
            + " running steps are stopped, every due compensation is sent at once without waiting for answers, the refresh"
            + " ends and its target is released. Works after the pivot too: an unconfirmed commit ends the refresh in"
            + " COMPENSATION_FAILED with its outcome unknown until the import service answers; an abort during the media"
            + " prune ends it SUCCEEDED with a note. Late answers are still recorded. 202 with the refresh; 400; 404;"
            + " 409 not-abortable (it has ended); 422 confirmation-mismatch.")
    @APIResponse(responseCode = "202", description = "abort accepted: the refresh", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Refresh.class)))
    @APIResponse(responseCode = "400", description = "malformed-request", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "401", description = "no valid bearer token (unauthenticated)", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "403", description = "not staff, or without the role the route needs (not-staff, role-required)", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "404", description = "unknown-refresh", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "409", description = "not-abortable", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "422", description = "confirmation-mismatch", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public Uni<Response> abort(@PathParam("id") String id, @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = io.restage.common.api.AbortRequest.class))) String body) {
        Caller who = Caller.of(identity);
        ApiError malformed = jsonObject(body, Map.of("confirmTarget", true, "reason", true));
        if (malformed != null || !REFRESH_ID.matcher(id).matches()) {
            return refuseFor(who, "abort", null, null, id, malformed != null ? malformed : unknownRefresh(id));
        }
        JsonNode json = readQuietly(body);
        String confirm = text(json, "confirmTarget");
        String raw = text(json, "reason");
        if (raw.length() > 500) {
            return refuseFor(who, "abort", null, null, id, new ApiError(400, "malformed-request",
                    "field 'reason' is " + raw.length() + " characters long: say why in at most 500"));
        }
        String reason = AuditLog.clean(raw);
        return confirmedChange(who, "abort", id, confirm, "not-abortable", "aborted", reason,
                () -> saga.abort(id, who.identity(), reason));
    }

    /**
     * An operator's change of an existing refresh that needs the target's hostname typed (undo, abort): the refresh
     * must exist, the operator may act on its target, the hostname matches; then the saga decides, and a refusal of
     * the saga is a 409 {@code refusedCode}. Every refusal and the acceptance are audited.
     */
    private Uni<Response> confirmedChange(Caller who, String action, String id, String confirm, String refusedCode,
                                          String pastTense, String auditMessage, Supplier<Uni<Transitions.Outcome>> change) {
        return RefreshStore.tx(() -> store.find(id)).chain(found -> {
            if (found == null) {
                return refuseFor(who, action, null, null, id, unknownRefresh(id));
            }
            if (!access.mayActOn(found.target, who.email(), who.groups())) {
                return refuseFor(who, action, found.source, found.target, id, targetForbidden(who, found.target));
            }
            EnvironmentConfig target = config.find(found.target).orElse(null);
            if (target == null || !target.hostname().equals(confirm)) {
                return refuseFor(who, action, found.source, found.target, id, new ApiError(422, "confirmation-mismatch",
                        "confirmTarget does not match the hostname of target '" + found.target + "': type the target's"
                                + " hostname exactly to confirm the " + action));
            }
            return change.get().chain(outcome -> {
                if (outcome.ignored()) {
                    return refuseFor(who, action, found.source, found.target, id, new ApiError(409, refusedCode,
                            "refresh " + id + " cannot be " + pastTense + ": " + outcome.ignoredBecause()));
                }
                LOG.infof("refresh %s: %s requested by %s", id, action, who.identity());
                return audit.record(new AuditLog.Line(who.identity(), action, found.source, found.target, id, null, 202,
                                "accepted", auditMessage))
                        .chain(() -> RefreshStore.tx(() -> store.find(id)))
                        .map(e -> Response.accepted(RefreshStore.fromJson(e.state)).build());
            });
        });
    }

    private Uni<Response> refuseFor(Caller who, String action, String source, String target, String refreshId, ApiError e) {
        return refuse(who, action, source, target, null, e, refreshId);
    }

    private Uni<Response> refuse(Caller who, String action, String source, String target, List<String> skipped, ApiError e) {
        return refuse(who, action, source, target, skipped, e, null);
    }

    private Uni<Response> refuse(Caller who, String action, String source, String target, List<String> skipped, ApiError e,
                                 String refreshId) {
        LOG.infof("%s by %s refused (%d %s)", action, who.identity(), e.status(), e.error());
        return audit.record(line(who, action, source, target, refreshId, skipped, e)).replaceWith(error(e));
    }

    private static AuditLog.Line line(Caller who, String action, String source, String target, String refreshId,
                                      List<String> skipped, ApiError e) {
        return new AuditLog.Line(who.identity(), action, source, target, refreshId, skipped, e.status(), e.error(), e.message());
    }

    private static ApiError targetForbidden(Caller who, String target) {
        return new ApiError(403, "target-not-allowed", who.identity() + " may not start, cancel, abort or undo refreshes of '"
                + target + "': security.targets." + target + " lists who may");
    }

    private static ApiError unknownRefresh(String id) {
        return new ApiError(404, "unknown-refresh", "no refresh with id '" + AuditLog.clean(id) + "'");
    }

    /** Null when {@code body} is a JSON object with only the allowed fields (value: required) as strings. */
    static ApiError jsonObject(String body, Map<String, Boolean> fields) {
        JsonNode json = readQuietly(body == null || body.isBlank() ? "{}" : body);
        if (json == null || !json.isObject()) {
            return new ApiError(400, "malformed-request", "the body must be a JSON object" + (fields.isEmpty() ? " ({})"
                    : " with " + fields.keySet()));
        }
        for (var it = json.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!fields.containsKey(f)) {
                return new ApiError(400, "malformed-request", "unknown field '" + AuditLog.clean(f) + "': allowed fields are "
                        + fields.keySet());
            }
        }
        for (var f : fields.entrySet()) {
            JsonNode v = json.get(f.getKey());
            if (f.getValue() && (v == null || !v.isTextual() || v.asText().isBlank())) {
                return new ApiError(400, "malformed-request", "field '" + f.getKey() + "' is required and must be a non-empty"
                        + " string" + ("confirmTarget".equals(f.getKey()) ? " (the target's hostname)" : ""));
            }
        }
        return null;
    }

    private static JsonNode readQuietly(String body) {
        try {
            return Json.MAPPER.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    private static String text(JsonNode json, String field) {
        return json != null && json.path(field).isTextual() ? json.get(field).asText() : null;
    }

    static Response error(ApiError e) {
        return Response.status(e.status()).type(MediaType.APPLICATION_JSON).entity(e).build();
    }

    /** For the dashboard: environment names and hostnames (never credentials). */
    @Path("/api/environments")
    public static class EnvironmentsResource {
        private final RestageConfig config;

        public EnvironmentsResource(RestageConfig config) {
            this.config = config;
        }

        @GET
        @RolesAllowed(AccessPolicy.VIEWER)
        @Produces(MediaType.APPLICATION_JSON)
        @Operation(summary = "Configured environments (viewer): name, hostname, whether they accept imports and have a bucket")
        @APIResponse(responseCode = "200", description = "the environments", content = @Content(mediaType = MediaType.APPLICATION_JSON,
                schema = @Schema(type = SchemaType.ARRAY, implementation = EnvironmentView.class)))
        @APIResponse(responseCode = "401", description = "no valid bearer token (unauthenticated)", content = @Content(mediaType = MediaType.APPLICATION_JSON,
                schema = @Schema(implementation = ApiError.class)))
        @APIResponse(responseCode = "403", description = "not staff, or without the role the route needs (not-staff, role-required)",
                content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
        public List<EnvironmentView> list() {
            return config.environments().values().stream()
                    .sorted((a, b) -> a.name().compareTo(b.name()))
                    .map(e -> new EnvironmentView(e.name(), e.hostname(), e.allowImport(), e.bucket() != null))
                    .toList();
        }

        /** An environment as the dashboard shows it: never its database or bucket credentials. */
        public record EnvironmentView(String name, String hostname, boolean allowImport, boolean bucket) {
        }
    }
}
