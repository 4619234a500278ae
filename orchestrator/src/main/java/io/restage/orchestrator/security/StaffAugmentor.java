package io.restage.orchestrator.security;

import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.restage.common.config.RestageConfig;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Replaces the roles a verified token brings (its raw groups) with restage's: {@code viewer} and {@code operator},
 * for staff only ({@link AccessPolicy}). The identity and any refusal travel as attributes for the audit log and the
 * 403 answer.
 */
@ApplicationScoped
public class StaffAugmentor implements SecurityIdentityAugmentor {
    public static final String IDENTITY = "restage.identity";
    public static final String REFUSAL = "restage.refusal";
    public static final String EMAIL = "restage.email";
    public static final String GROUPS = "restage.groups";

    private final AccessPolicy policy;

    public StaffAugmentor(RestageConfig config) {
        this.policy = new AccessPolicy(config.security());
    }

    @Override
    public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context) {
        if (identity.isAnonymous() || !(identity.getPrincipal() instanceof JsonWebToken jwt)) {
            return Uni.createFrom().item(identity);
        }
        String email = jwt.getClaim("email");
        List<String> groups = jwt.getGroups() == null ? List.of() : List.copyOf(jwt.getGroups());
        AccessPolicy.Access access = policy.evaluate(email, jwt.getClaim("upn"), jwt.getSubject(), groups);
        QuarkusSecurityIdentity.Builder b = QuarkusSecurityIdentity.builder()
                .setPrincipal(identity.getPrincipal())
                .addCredentials(identity.getCredentials())
                .addAttributes(identity.getAttributes())
                .addPermissionChecker(identity::checkPermission)
                .setAnonymous(false)
                .addRoles(access.roles())
                .addAttribute(IDENTITY, access.identity())
                .addAttribute(EMAIL, email == null ? jwt.getClaim("upn") : email)
                .addAttribute(GROUPS, groups);
        if (access.refusal() != null) {
            b.addAttribute(REFUSAL, access.refusal());
        }
        return Uni.createFrom().item(b.build());
    }
}
