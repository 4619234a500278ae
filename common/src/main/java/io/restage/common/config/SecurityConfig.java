package io.restage.common.config;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code security:} in restage.yaml. {@code messageKey} keys the HMAC that signs every control message between
 * restage's services (all services hold the same key). {@code maxMessageAge} is how old a signed message may be
 * before participants refuse it as stale. Staff are the token holders whose email is in {@code staffEmails} or who
 * carry one of {@code staffGroups}; only staff get a role. {@code operatorGroups} and {@code viewerGroups} map the
 * token's groups to restage's two roles (operator includes viewer). {@code targets} optionally restricts who may
 * start, cancel or undo refreshes of a target (emails, or {@code group:NAME}). {@code startsPerMinute} caps the start
 * attempts of one identity. {@code batchKey} ({@code security.batch-key}) wraps the per-refresh keys that seal raw
 * batches: only the export and the anonymizer need it (give it only to them, e.g. through an environment variable).
 */
public record SecurityConfig(Secret messageKey, Duration maxMessageAge, List<String> staffEmails, List<String> staffGroups,
                             List<String> operatorGroups, List<String> viewerGroups, Map<String, List<String>> targets,
                             int startsPerMinute, Secret batchKey) {
    public static final Duration DEFAULT_MAX_MESSAGE_AGE = Duration.ofMinutes(15);
    public static final int MIN_MESSAGE_KEY_LENGTH = 32;

    public SecurityConfig {
        staffEmails = staffEmails.stream().map(e -> e.toLowerCase(Locale.ROOT)).toList();
    }

    /** Whether this token holder is staff. */
    public boolean isStaff(String email, List<String> groups) {
        return (email != null && staffEmails.contains(email.toLowerCase(Locale.ROOT)))
                || groups.stream().anyMatch(staffGroups::contains);
    }

    /** Whether an operator may act on {@code target} (always, unless {@code security.targets} names the target). */
    public boolean mayActOn(String target, String email, List<String> groups) {
        List<String> allowed = targets.get(target);
        if (allowed == null) {
            return true;
        }
        return allowed.stream().anyMatch(a -> a.startsWith("group:")
                ? groups.contains(a.substring("group:".length()))
                : email != null && a.equalsIgnoreCase(email));
    }
}
