package io.restage.orchestrator.security;

import io.restage.common.config.SecurityConfig;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Who a verified token holder is to restage: their identity (the token's email, else its upn, else its subject), whether
 * they are staff, and their roles. Only staff get roles; {@code operator} includes {@code viewer}. Plain code, so the
 * rules are tested without a server.
 */
public final class AccessPolicy {
    public static final String VIEWER = "viewer";
    public static final String OPERATOR = "operator";

    /** The outcome for one token. {@code refusal} says why there are no roles (null when there are). */
    public record Access(String identity, boolean staff, Set<String> roles, String refusal) {
    }

    private final SecurityConfig config;

    public AccessPolicy(SecurityConfig config) {
        this.config = config;
    }

    public Access evaluate(String email, String upn, String subject, List<String> groups) {
        String identity = firstNonBlank(email, upn, subject);
        if (identity == null) {
            return new Access("unknown", false, Set.of(), "the token names nobody (no email, upn or sub claim)");
        }
        boolean staff = config.isStaff(firstNonBlank(email, upn), groups);
        if (!staff) {
            return new Access(identity, false, Set.of(), identity + " is not staff: add the email to security.staff.emails"
                    + " or give the token one of the groups in security.staff.groups");
        }
        Set<String> roles = new LinkedHashSet<>();
        if (groups.stream().anyMatch(config.operatorGroups()::contains)) {
            roles.add(OPERATOR);
            roles.add(VIEWER);
        }
        if (groups.stream().anyMatch(config.viewerGroups()::contains)) {
            roles.add(VIEWER);
        }
        return new Access(identity, true, Set.copyOf(roles), roles.isEmpty()
                ? identity + " is staff but has no restage role: give the token a group of security.roles.viewer or"
                  + " security.roles.operator" : null);
    }

    /** Whether this operator may start, cancel or undo refreshes of {@code target} (security.targets). */
    public boolean mayActOn(String target, String email, List<String> groups) {
        return config.mayActOn(target, email, groups);
    }

    private static String firstNonBlank(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v.trim();
            }
        }
        return null;
    }
}
