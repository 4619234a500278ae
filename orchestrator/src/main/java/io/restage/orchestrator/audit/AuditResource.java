package io.restage.orchestrator.audit;

import io.restage.orchestrator.security.AccessPolicy;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** The audit log, read-only: there is no route that changes or deletes a line. */
@Path("/api/audit")
@Produces(MediaType.APPLICATION_JSON)
public class AuditResource {
    private final AuditLog log;

    public AuditResource(AuditLog log) {
        this.log = log;
    }

    @GET
    @RolesAllowed(AccessPolicy.VIEWER)
    @Operation(summary = "The audit log, newest first (viewer)", description = "Every start, cancel and undo, every refusal"
            + " (401, 403, 409, 422, 429, the safety gates) with identity, time, source, target, skipped anonymizers and"
            + " outcome, and every control message a participant refused. ?limit=N (default 100, at most 1000), ?target=NAME.")
@org.eclipse.microprofile.openapi.annotations.responses.APIResponse(responseCode = "200", description = "audit lines, newest first", content = @org.eclipse.microprofile.openapi.annotations.media.Content(mediaType = "application/json", schema = @org.eclipse.microprofile.openapi.annotations.media.Schema(type = org.eclipse.microprofile.openapi.annotations.enums.SchemaType.ARRAY, implementation = AuditRecord.class)))
    @org.eclipse.microprofile.openapi.annotations.responses.APIResponse(responseCode = "401", description = "no valid bearer token (unauthenticated)", content = @org.eclipse.microprofile.openapi.annotations.media.Content(mediaType = "application/json", schema = @org.eclipse.microprofile.openapi.annotations.media.Schema(implementation = io.restage.orchestrator.api.ApiError.class)))
    @org.eclipse.microprofile.openapi.annotations.responses.APIResponse(responseCode = "403", description = "not staff, or without the role the route needs (not-staff, role-required)", content = @org.eclipse.microprofile.openapi.annotations.media.Content(mediaType = "application/json", schema = @org.eclipse.microprofile.openapi.annotations.media.Schema(implementation = io.restage.orchestrator.api.ApiError.class)))
    public Uni<List<AuditRecord>> list(@QueryParam("limit") Integer limit, @QueryParam("target") String target) {
        int n = limit == null ? 100 : Math.max(1, Math.min(1000, limit));
        return log.newestFirst(n, target);
    }
}
