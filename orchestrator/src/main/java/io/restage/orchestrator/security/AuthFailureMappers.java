package io.restage.orchestrator.security;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.restage.orchestrator.api.ApiError;
import io.restage.orchestrator.api.Caller;
import io.restage.orchestrator.audit.AuditLog;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Answers 401 (no token, or one that failed verification: signature, expiry, issuer, audience) and 403 (not staff, or
 * the wrong role) with the JSON error body every refusal has, and records each in the audit log. Never echoes the
 * token.
 */
public class AuthFailureMappers {
    private static final Logger LOG = Logger.getLogger(AuthFailureMappers.class);
    private final AuditLog audit;
    private final CurrentIdentityAssociation identities;

    public AuthFailureMappers(AuditLog audit, CurrentIdentityAssociation identities) {
        this.audit = audit;
        this.identities = identities;
    }

    @ServerExceptionMapper(AuthenticationFailedException.class)
    public Uni<Response> invalidToken(AuthenticationFailedException e, UriInfo uri) {
        return unauthenticated(uri, "the bearer token was refused (bad signature, expired, wrong issuer or audience, or"
                + " malformed): get a new token from your identity provider, or mint one with deploy/restage token");
    }

    @ServerExceptionMapper(UnauthorizedException.class)
    public Uni<Response> noToken(UnauthorizedException e, UriInfo uri) {
        return unauthenticated(uri, "this route needs a bearer token: send Authorization: Bearer <token>");
    }

    @ServerExceptionMapper(ForbiddenException.class)
    public Uni<Response> forbidden(ForbiddenException e, UriInfo uri) {
        return identities.getDeferredIdentity().onFailure().recoverWithNull().chain(id -> {
            Caller who = Caller.of(id);
            String refusal = id == null ? null : id.getAttribute(StaffAugmentor.REFUSAL);
            String message = refusal != null ? refusal : who.identity() + " lacks the role this route needs ("
                    + (id == null ? "?" : "has " + id.getRoles()) + "): reading needs viewer, starting, cancelling and undoing"
                    + " need operator";
            ApiError err = new ApiError(403, refusal != null && refusal.contains("not staff") ? "not-staff" : "role-required", message);
            return record(who.identity(), uri, err);
        });
    }

    private Uni<Response> unauthenticated(UriInfo uri, String message) {
        ApiError err = new ApiError(401, "unauthenticated", message);
        return record("anonymous", uri, err).map(r -> Response.fromResponse(r)
                .header("WWW-Authenticate", "Bearer realm=\"restage\"").build());
    }

    private Uni<Response> record(String who, UriInfo uri, ApiError err) {
        String path = uri == null ? "?" : uri.getPath();
        LOG.infof("%s %s refused for %s (%d %s)", "request", path, who, err.status(), err.error());
        return audit.record(new AuditLog.Line(who, actionOf(path), null, null, null, null, err.status(), err.error(),
                        err.message() + " [" + AuditLog.clean(path) + "]"))
                .replaceWith(Response.status(err.status()).type(MediaType.APPLICATION_JSON).entity(err).build());
    }

    static String actionOf(String path) {
        if (path == null) {
            return "read";
        }
        if (path.endsWith("/cancel")) {
            return "cancel";
        }
        if (path.endsWith("/undo")) {
            return "undo";
        }
        if (path.startsWith("/api/policies")) {
            return "policy-check";
        }
        return path.equals("/api/refreshes") ? "start-or-list" : "read";
    }
}
