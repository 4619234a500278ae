package io.restage.common.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The anonymization policy: rules per table and column (integration neutralisation included), tables never
 * exported, the target's own audit table, the admin rewrite, the staging password and the HMAC secret that keys
 * every deterministic transformer. {@code requireEveryColumn} ({@code unruled-columns: refuse-all}) makes every
 * column without a rule a policy problem, not only the ones that look personal. {@code media}: what the media copy does
 * with the source's objects ({@link MediaPolicy}; mirror when absent).
 */
public record PolicyConfig(Secret secret, String auditTable, List<String> excludeTables,
                           Map<String, List<RuleConfig>> rulesByTable, AdminRewrite admin, Secret stagingPassword,
                           int bcryptCost, boolean requireEveryColumn, MediaPolicy media) {

    public PolicyConfig {
        media = media == null ? MediaPolicy.MIRROR : media;
    }

    public PolicyConfig(Secret secret, String auditTable, List<String> excludeTables,
                        Map<String, List<RuleConfig>> rulesByTable, AdminRewrite admin, Secret stagingPassword,
                        int bcryptCost, boolean requireEveryColumn) {
        this(secret, auditTable, excludeTables, rulesByTable, admin, stagingPassword, bcryptCost, requireEveryColumn, null);
    }

    public PolicyConfig(Secret secret, String auditTable, List<String> excludeTables,
                        Map<String, List<RuleConfig>> rulesByTable, AdminRewrite admin, Secret stagingPassword,
                        int bcryptCost) {
        this(secret, auditTable, excludeTables, rulesByTable, admin, stagingPassword, bcryptCost, false, null);
    }

    public List<RuleConfig> rulesFor(String table) {
        return rulesByTable.getOrDefault(table, List.of());
    }

    public List<RuleConfig> allRules() {
        return rulesByTable.values().stream().flatMap(List::stream).toList();
    }

    public Optional<AdminRewrite> adminRewrite() {
        return Optional.ofNullable(admin);
    }

    /** Tables never read from the source nor touched in the target: the exclusions and the audit table. */
    public boolean isExcluded(String table) {
        return excludeTables.contains(table) || (auditTable != null && auditTable.equals(table));
    }
}
