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
import org.eclipse.microprofile.openapi.annotations.Operation;

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

    @POST
    @Path("check")
    @jakarta.annotation.security.RolesAllowed(io.restage.orchestrator.security.AccessPolicy.VIEWER)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Check the policy against a source (dry run)", description = "Body: {source}. 200 with"
            + " {source, ok, tables, columns, sampledValues, rules: [{table, column, type, transformer}], problems:"
            + " [{kind, table, column, message}]}. ok=false lists what a refresh would be refused for.")
    public Uni<Response> check(String body) {
        String source;
        try {
            JsonNode json = body == null || body.isBlank() ? null : Json.MAPPER.readTree(body);
            source = json == null || !json.path("source").isTextual() ? null : json.get("source").asText();
        } catch (IOException e) {
            return Uni.createFrom().item(RefreshResource.error(new ApiError(400, "malformed-request", "the body is not valid JSON")));
        }
        if (source == null || source.isBlank()) {
            return Uni.createFrom().item(RefreshResource.error(new ApiError(400, "missing-field",
                    "source is required: {\"source\": \"production\"}")));
        }
        if (!config.environments().containsKey(source)) {
            return Uni.createFrom().item(RefreshResource.error(new ApiError(404, "unknown-environment",
                    "no environment named '" + io.restage.orchestrator.audit.AuditLog.clean(source) + "': configured are " + new java.util.TreeSet<>(config.environments().keySet()))));
        }
        return checks.check(source)
                .map(report -> Response.ok(report).build())
                .onFailure(PolicyCheckService.SourceUnavailableException.class)
                .recoverWithItem(e -> RefreshResource.error(new ApiError(502, "source-unavailable", e.getMessage())));
    }
}
