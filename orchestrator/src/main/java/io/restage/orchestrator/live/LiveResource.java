package io.restage.orchestrator.live;

import io.restage.orchestrator.security.AccessPolicy;
import io.smallrye.mutiny.Multi;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.time.Duration;
import java.time.Instant;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * The dashboard's live channel: server-sent events, one {@code refresh} event (the refresh's full state, as
 * {@code GET /api/refreshes/{id}} answers) per committed change of any refresh, and a comment every 15 s so proxies
 * keep the connection. The stream ends when the caller's token expires; the client reconnects with a fresh one.
 */
@Path("/api/events")
public class LiveResource {
    static final Duration KEEP_ALIVE = Duration.ofSeconds(15);

    private final RefreshFeed feed;
    private final JsonWebToken jwt;

    public LiveResource(RefreshFeed feed, JsonWebToken jwt) {
        this.feed = feed;
        this.jwt = jwt;
    }

    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RolesAllowed(AccessPolicy.VIEWER)
    @Operation(summary = "Live changes of every refresh (viewer), as server-sent events", description = "event: refresh,"
            + " data: the refresh (the body of GET /api/refreshes/{id}), sent when its state changes (a step starts or"
            + " ends, a heartbeat, a table's count). Send the bearer token in the Authorization header (fetch, not"
            + " EventSource). The stream ends when the token expires.")
    @APIResponse(responseCode = "200", description = "the stream: event refresh, data the refresh", content = @Content(mediaType = MediaType.SERVER_SENT_EVENTS, schema = @Schema(implementation = io.restage.orchestrator.saga.Refresh.class)))
    @APIResponse(responseCode = "401", description = "no valid bearer token (unauthenticated)", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = io.restage.orchestrator.api.ApiError.class)))
    @APIResponse(responseCode = "403", description = "not staff, or without the role the route needs (not-staff, role-required)", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = io.restage.orchestrator.api.ApiError.class)))
    public Multi<OutboundSseEvent> stream(@Context Sse sse) {
        long left = jwt.getExpirationTime() - Instant.now().getEpochSecond();
        Multi<OutboundSseEvent> changes = feed.changes()
                .map(c -> sse.newEventBuilder().name("refresh").id(c.id()).data(c.json()).build());
        Multi<OutboundSseEvent> pings = Multi.createFrom().ticks().every(KEEP_ALIVE)
                .map(t -> sse.newEventBuilder().comment("keep-alive").build());
        return Multi.createBy().merging().streams(changes, pings).select().first(Duration.ofSeconds(Math.max(1, left)));
    }
}
