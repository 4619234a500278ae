package io.restage.orchestrator.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.restage.common.Json;
import io.restage.common.config.RestageConfig;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import io.restage.common.policy.PolicyDraft;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/** The policy check as a dry run: what a refresh from this source would refuse, before anyone starts one. */
@Path("/api/policies")
@Produces(MediaType.APPLICATION_JSON)
public class PolicyResource {
    private final RestageConfig config;
    private final PolicyCheckService checks;

    public PolicyResource(RestageConfig config, PolicyCheckService checks) {
        this.config = config;
        this.checks = checks;
    }

    /** The dry run's answer: the report, and with {@code suggest} the complete draft policy in the configuration's YAML. */
    public record PolicyCheckAnswer(String source, boolean ok, int tables, int columns, int sampledValues,
                                    java.util.List<io.restage.common.policy.PolicyReport.ColumnRule> rules,
                                    java.util.List<io.restage.common.policy.PolicyReport.Problem> problems,
                                    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
                                    String draft) {
        static PolicyCheckAnswer of(io.restage.common.policy.PolicyReport r, String draft) {
            return new PolicyCheckAnswer(r.source(), r.ok(), r.tables(), r.columns(), r.sampledValues(), r.rules(), r.problems(), draft);
        }
    }

    /** One rule of a source's policy, as the start form lists it (an anonymizer that can be skipped). */
    public record RuleView(String id, String table, String column, String transformer) {
    }

    @jakarta.ws.rs.GET
    @Path("{source}/rules")
    @jakarta.annotation.security.RolesAllowed(io.restage.orchestrator.security.AccessPolicy.VIEWER)
    @Operation(summary = "The rules (anonymizers) of the policy that applies to a source (viewer)", description = "From the"
            + " configuration only (no database is read). 200 [{id, table, column, transformer}]; 400 malformed name;"
            + " 404 unknown environment.")
    @APIResponse(responseCode = "200", description = "the rules", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(type = SchemaType.ARRAY, implementation = RuleView.class)))
    @APIResponse(responseCode = "400", description = "malformed-request", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "401", description = "no valid bearer token (unauthenticated)", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "403", description = "not staff, or without the role the route needs (not-staff, role-required)", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "404", description = "unknown-environment", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public Response rules(@jakarta.ws.rs.PathParam("source") String source) {
        if (!RefreshRequestValidator.ENVIRONMENT_NAME.matcher(source).matches()) {
            return RefreshResource.error(new ApiError(400, "malformed-request",
                    "the source must be an environment name (letters, digits, - and _, at most 63 characters)"));
        }
        if (!config.environments().containsKey(source)) {
            return RefreshResource.error(new ApiError(404, "unknown-environment", "no environment named '" + source
                    + "': configured are " + new java.util.TreeSet<>(config.environments().keySet())));
        }
        return Response.ok(config.policyFor(source).allRules().stream()
                .map(r -> new RuleView(r.id(), r.table(), r.column(), r.transformer())).toList()).build();
    }

    @POST
    @Path("check")
    @jakarta.annotation.security.RolesAllowed(io.restage.orchestrator.security.AccessPolicy.VIEWER)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Check the policy against a source (dry run)", description = "Body: {source}. 200 with"
            + " {source, ok, tables, columns, sampledValues, rules: [{table, column, type, transformer}], problems:"
            + " [{kind, table, column, message, suggest}]}. ok=false lists what a refresh would be refused for; suggest is"
            + " the rule the check proposes. With {source, suggest: true} the answer adds draft: the policy with every"
            + " suggestion, in the configuration's YAML, for a person to review.")
    @APIResponse(responseCode = "200", description = "the report (ok false: a refresh would be refused, with every problem)", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = PolicyCheckAnswer.class)))
    @APIResponse(responseCode = "400", description = "malformed-request, missing-field, invalid-field", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "401", description = "no valid bearer token (unauthenticated)", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "403", description = "not staff, or without the role the route needs (not-staff, role-required)", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "404", description = "unknown-environment", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "502", description = "source-unavailable", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public Uni<Response> check(@RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = io.restage.common.api.PolicyCheckRequest.class))) String body) {
        String source;
        boolean suggest;
        try {
            JsonNode json = body == null || body.isBlank() ? null : Json.MAPPER.readTree(body);
            source = json == null || !json.path("source").isTextual() ? null : json.get("source").asText();
            JsonNode s = json == null ? null : json.get("suggest");
            if (s != null && !s.isBoolean() && !s.isNull()) {
                return Uni.createFrom().item(RefreshResource.error(new ApiError(400, "invalid-field",
                        "suggest must be true or false: {\"source\": \"production\", \"suggest\": true}")));
            }
            suggest = s != null && s.asBoolean();
        } catch (IOException e) {
            return Uni.createFrom().item(RefreshResource.error(new ApiError(400, "malformed-request", "the body is not valid JSON")));
        }
        if (source == null || source.isBlank()) {
            return Uni.createFrom().item(RefreshResource.error(new ApiError(400, "missing-field",
                    "source is required: {\"source\": \"production\"}")));
        }
        if (!RefreshRequestValidator.ENVIRONMENT_NAME.matcher(source).matches()) {
            // the same rule as a refresh request: a name is letters, digits, - and _ (never echoed otherwise)
            return Uni.createFrom().item(RefreshResource.error(new ApiError(400, "malformed-request",
                    "field 'source' must be an environment name (letters, digits, - and _, at most 63 characters)")));
        }
        if (!config.environments().containsKey(source)) {
            return Uni.createFrom().item(RefreshResource.error(new ApiError(404, "unknown-environment",
                    "no environment named '" + io.restage.orchestrator.audit.AuditLog.clean(source) + "': configured are " + new java.util.TreeSet<>(config.environments().keySet()))));
        }
        String src = source;
        return checks.check(source)
                .map(report -> Response.ok(PolicyCheckAnswer.of(report, suggest
                        ? PolicyDraft.yaml(config.environment(src).policy(), config.policyFor(src), report) : null)).build())
                .onFailure(PolicyCheckService.SourceUnavailableException.class)
                .recoverWithItem(e -> RefreshResource.error(new ApiError(502, "source-unavailable", e.getMessage())));
    }
}
