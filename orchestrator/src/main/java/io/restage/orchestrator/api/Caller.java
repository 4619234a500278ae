package io.restage.orchestrator.api;

import io.quarkus.security.identity.SecurityIdentity;
import io.restage.orchestrator.security.StaffAugmentor;
import java.util.List;

/** The verified token holder of a request, as restage records it: never a header the caller writes. */
public record Caller(String identity, String email, List<String> groups) {

    @SuppressWarnings("unchecked")
    public static Caller of(SecurityIdentity id) {
        if (id == null || id.isAnonymous()) {
            return new Caller("anonymous", null, List.of());
        }
        String identity = id.getAttribute(StaffAugmentor.IDENTITY);
        Object groups = id.getAttribute(StaffAugmentor.GROUPS);
        return new Caller(identity == null ? id.getPrincipal().getName() : identity, id.getAttribute(StaffAugmentor.EMAIL),
                groups instanceof List<?> l ? (List<String>) l : List.of());
    }
}
