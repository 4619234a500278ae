package io.restage.orchestrator.schedule;

import io.quarkus.security.identity.SecurityIdentity;
import io.restage.common.config.RestageConfig;
import io.restage.orchestrator.api.ApiError;
import io.restage.orchestrator.api.Caller;
import io.restage.orchestrator.audit.AuditLog;
import io.restage.orchestrator.security.AccessPolicy;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/** The configuration's schedules: what they are, when they run next, how their last run went; pause and resume. */
@Path("/api/schedules")
@Produces(MediaType.APPLICATION_JSON)
public class ScheduleResource {
    private final ScheduleService schedules;
    private final AuditLog audit;
    private final SecurityIdentity identity;
    private final AccessPolicy access;

    public ScheduleResource(ScheduleService schedules, AuditLog audit, SecurityIdentity identity, RestageConfig config) {
        this.schedules = schedules;
        this.audit = audit;
        this.identity = identity;
        this.access = new AccessPolicy(config.security());
    }

    @GET
    @RolesAllowed(AccessPolicy.VIEWER)
    @Operation(summary = "The schedules (viewer): cron, zone, paused (by whom, since when), next run, last run and its refresh or refusal")
    @APIResponse(responseCode = "200", description = "the schedules", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(type = SchemaType.ARRAY, implementation = ScheduleService.View.class)))
    @APIResponse(responseCode = "401", description = "no valid bearer token (unauthenticated)", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "403", description = "not staff, or without the role the route needs (not-staff, role-required)", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public Uni<List<ScheduleService.View>> list() {
        return schedules.list();
    }

    @POST
    @Path("{name}/pause")
    @RolesAllowed(AccessPolicy.OPERATOR)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Pause a schedule (operator): it does not fire until resumed", description = "Body: {}. 200 with the"
            + " schedules; 403 target-not-allowed; 404 unknown-schedule.")
    @APIResponse(responseCode = "200", description = "paused: the schedules", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(type = SchemaType.ARRAY, implementation = ScheduleService.View.class)))
    @APIResponse(responseCode = "401", description = "no valid bearer token (unauthenticated)", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "403", description = "not staff, or without the role the route needs (not-staff, role-required, target-not-allowed)", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "404", description = "unknown-schedule", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public Uni<Response> pause(@PathParam("name") String name, @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = io.restage.common.api.EmptyRequest.class))) String body) {
        return change(name, true);
    }

    @POST
    @Path("{name}/resume")
    @RolesAllowed(AccessPolicy.OPERATOR)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Resume a schedule (operator): it fires at its next time (not for times it missed while paused)",
            description = "Body: {}. 200 with the schedules; 403 target-not-allowed; 404 unknown-schedule.")
    @APIResponse(responseCode = "200", description = "resumed: the schedules", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(type = SchemaType.ARRAY, implementation = ScheduleService.View.class)))
    @APIResponse(responseCode = "401", description = "no valid bearer token (unauthenticated)", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "403", description = "not staff, or without the role the route needs (not-staff, role-required, target-not-allowed)", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "404", description = "unknown-schedule", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public Uni<Response> resume(@PathParam("name") String name, @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = io.restage.common.api.EmptyRequest.class))) String body) {
        return change(name, false);
    }

    private Uni<Response> change(String name, boolean pause) {
        Caller who = Caller.of(identity);
        String action = pause ? "schedule-pause" : "schedule-resume";
        var schedule = schedules.find(name);
        if (schedule.isEmpty()) {
            ApiError e = new ApiError(404, "unknown-schedule", "no schedule named '" + AuditLog.clean(name) + "' (see GET /api/schedules)");
            return audit.record(new AuditLog.Line(who.identity(), action, null, null, null, null, 404, e.error(), e.message()))
                    .replaceWith(Response.status(404).type(MediaType.APPLICATION_JSON).entity(e).build());
        }
        String target = schedule.get().target();
        if (!access.mayActOn(target, who.email(), who.groups())) {
            ApiError e = new ApiError(403, "target-not-allowed", who.identity() + " may not pause or resume schedules of '"
                    + target + "': security.targets." + target + " lists who may");
            return audit.record(new AuditLog.Line(who.identity(), action, schedule.get().source(), target, null, null, 403,
                    e.error(), e.message())).replaceWith(Response.status(403).type(MediaType.APPLICATION_JSON).entity(e).build());
        }
        return schedules.setPaused(name, pause, who.identity())
                .chain(() -> audit.record(new AuditLog.Line(who.identity(), action, schedule.get().source(), target, null, null,
                        200, "accepted", "schedule " + name)))
                .chain(schedules::list)
                .map(list -> Response.ok(list).build());
    }
}
