package io.restage.orchestrator.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.restage.common.Json;
import io.restage.common.config.Connections;
import io.restage.common.config.RestageConfig;
import io.restage.common.config.SubsetConfig;
import io.restage.common.subset.SubsetClosure;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/** The configured subsets, and a preview of one: its rows per table, computed in the source, nothing exported. */
@Path("/api/subsets")
@Produces(MediaType.APPLICATION_JSON)
public class SubsetResource {
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(SubsetResource.class);
    private final RestageConfig config;
    private final Vertx vertx;

    public SubsetResource(RestageConfig config, Vertx vertx) {
        this.config = config;
        this.vertx = vertx;
    }

    /** A subset as the configuration declares it. */
    public record SubsetView(String name, List<SubsetConfig.Root> roots, List<String> whole, List<String> exclude,
                             List<String> relations) {
        static SubsetView of(SubsetConfig s) {
            return new SubsetView(s.name(), s.roots(), s.whole(), s.exclude(), s.relations().stream().map(Object::toString).toList());
        }
    }

    /**
     * The preview: rows per table of the subset (partitions apart), the source's row estimate of those tables beside
     * them, the subset's total, and how long the source took.
     */
    public record SubsetPreview(String source, String subset, Map<String, Long> rows, Map<String, Long> sourceEstimates,
                                long total, int passes, long millis) {
    }

    @GET
    @jakarta.annotation.security.RolesAllowed(io.restage.orchestrator.security.AccessPolicy.VIEWER)
    @Operation(summary = "The configured subsets (viewer)", description = "200 [{name, roots, whole, exclude, relations}].")
    @APIResponse(responseCode = "200", description = "the subsets", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(type = SchemaType.ARRAY, implementation = SubsetView.class)))
    @APIResponse(responseCode = "401", description = "no valid bearer token (unauthenticated)", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "403", description = "not staff, or without the role the route needs (not-staff, role-required)", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public List<SubsetView> list() {
        return config.subsets().values().stream().map(SubsetView::of).toList();
    }

    @POST
    @Path("preview")
    @jakarta.annotation.security.RolesAllowed(io.restage.orchestrator.security.AccessPolicy.VIEWER)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Preview a subset (viewer)", description = "Body: {source, subset}. Computes the subset in the"
            + " source inside one REPEATABLE READ transaction, as the export would, and answers its rows per table without"
            + " exporting anything. 422 subset-invalid when the subset cannot close (an exclusion its rows reference, a"
            + " table the source lacks).")
    @APIResponse(responseCode = "200", description = "rows per table", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = SubsetPreview.class)))
    @APIResponse(responseCode = "400", description = "malformed-request, missing-field", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "401", description = "no valid bearer token (unauthenticated)", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "403", description = "not staff, or without the role the route needs (not-staff, role-required)", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "404", description = "unknown-environment, unknown-subset", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "422", description = "subset-invalid", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "502", description = "source-unavailable", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public Uni<Response> preview(@RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = io.restage.common.api.SubsetPreviewRequest.class))) String body) {
        String source;
        String subset;
        try {
            JsonNode json = body == null || body.isBlank() ? null : Json.MAPPER.readTree(body);
            source = json == null || !json.path("source").isTextual() ? null : json.get("source").asText();
            subset = json == null || !json.path("subset").isTextual() ? null : json.get("subset").asText();
        } catch (IOException e) {
            return Uni.createFrom().item(RefreshResource.error(new ApiError(400, "malformed-request", "the body is not valid JSON")));
        }
        if (source == null || subset == null) {
            return Uni.createFrom().item(RefreshResource.error(new ApiError(400, "missing-field",
                    "source and subset are required: {\"source\": \"production\", \"subset\": \"one-customer\"}")));
        }
        if (!RefreshRequestValidator.ENVIRONMENT_NAME.matcher(source).matches() || !RefreshRequestValidator.ENVIRONMENT_NAME.matcher(subset).matches()) {
            return Uni.createFrom().item(RefreshResource.error(new ApiError(400, "malformed-request",
                    "source and subset must be names (letters, digits, - and _, at most 63 characters)")));
        }
        if (!config.environments().containsKey(source)) {
            return Uni.createFrom().item(RefreshResource.error(new ApiError(404, "unknown-environment",
                    "no environment named '" + source + "': configured are " + new java.util.TreeSet<>(config.environments().keySet()))));
        }
        if (!config.subsets().containsKey(subset)) {
            return Uni.createFrom().item(RefreshResource.error(new ApiError(404, "unknown-subset",
                    "no subset named '" + subset + "': configured are " + new java.util.TreeSet<>(config.subsets().keySet()))));
        }
        SubsetConfig s = config.subset(subset);
        return vertx.executeBlocking(Uni.createFrom().item(() -> {
            long t0 = System.nanoTime();
            try (Connection c = Connections.open(config.environment(source), "restage-subset-preview")) {
                c.setAutoCommit(false);
                try {
                    try (Statement st = c.createStatement()) {
                        st.execute("set transaction isolation level repeatable read");
                    }
                    SubsetClosure closure = SubsetClosure.compute(c, s, config.policyFor(source).secret().reveal(),
                            config.policyFor(source)::isExcluded);
                    long total = closure.counts().values().stream().mapToLong(Long::longValue).sum();
                    return Response.ok(new SubsetPreview(source, subset, closure.counts(), closure.sourceEstimates(), total, closure.passes(),
                            (System.nanoTime() - t0) / 1_000_000)).build();
                } catch (IllegalArgumentException e) {
                    return RefreshResource.error(new ApiError(422, "subset-invalid", e.getMessage()));
                } finally {
                    c.rollback();
                }
            } catch (java.sql.SQLException e) {
                LOG.warnf("subset preview of '%s' on '%s' failed: %s", subset, source, io.restage.common.Failures.describe(e));
                return RefreshResource.error(new ApiError(502, "source-unavailable", "the subset could not be computed in '"
                        + source + "': " + io.restage.common.Failures.describe(e)));
            }
        }));
    }
}
