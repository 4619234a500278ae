package io.restage.common.policy;

import io.restage.common.config.PolicyConfig;
import io.restage.common.config.RuleConfig;
import io.restage.common.policy.PolicyReport.Problem;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A complete policy in the configuration's own YAML: the policy's rules as they are, plus the check's suggestion
 * for every column it flagged, each marked with a comment, so a new user goes from refused to running by reviewing
 * one file. Secrets are never written: the draft reads the secret and passwords from the environment.
 */
public final class PolicyDraft {

    /**
     * The draft for {@code policyName} (null: the default {@code policy:} block), from the policy as configured and
     * the check's report on it.
     */
    public static String yaml(String policyName, PolicyConfig policy, PolicyReport report) {
        Map<String, Map<String, String>> tables = new TreeMap<>();
        Map<String, String> comments = new LinkedHashMap<>();
        for (RuleConfig r : policy.allRules()) {
            Map<String, String> rule = new LinkedHashMap<>();
            rule.put("transformer", r.transformer());
            rule.putAll(new TreeMap<>(r.params()));
            tables.computeIfAbsent(r.table(), k -> new LinkedHashMap<>()).put(r.column(), Suggestions.yaml(rule));
        }
        List<String> unsolved = new ArrayList<>();
        for (Problem p : report.problems()) {
            if (p.column() == null || p.kind() == PolicyReport.Kind.UNKNOWN_TABLE || p.kind() == PolicyReport.Kind.UNKNOWN_COLUMN) {
                unsolved.add(p.message());
                continue;
            }
            if (p.suggest() == null) {
                unsolved.add(p.message());
                continue;
            }
            tables.computeIfAbsent(p.table(), k -> new LinkedHashMap<>()).put(p.column(), Suggestions.yaml(p.suggest()));
            comments.put(p.table() + "." + p.column(), "suggested: " + p.kind().name().toLowerCase().replace('_', ' '));
        }
        StringBuilder y = new StringBuilder();
        y.append("# restage policy draft for source '").append(report.source()).append("': the rules configured, plus a\n")
                .append("# suggestion (marked) for each column the check flagged. Review every suggestion: keep says the\n")
                .append("# column is not personal. Names are written as stored, schema-qualified.\n");
        for (String u : unsolved) {
            y.append("# not solved here: ").append(u.replace('\n', ' ')).append('\n');
        }
        String in;
        if (policyName == null) {
            y.append("policy:\n"); // the default policy, for environments that name none
            in = "  ";
        } else {
            y.append("policies:\n");
            y.append("  ").append(quote(policyName)).append(":\n");
            in = "    ";
        }
        y.append(in).append("secret: ${env:RESTAGE_POLICY_SECRET}\n");
        if (policy.auditTable() != null) {
            y.append(in).append("audit-table: ").append(quote(policy.auditTable())).append('\n');
        }
        if (!policy.excludeTables().isEmpty()) {
            y.append(in).append("exclude-tables: [");
            for (int i = 0; i < policy.excludeTables().size(); i++) {
                y.append(i > 0 ? ", " : "").append(quote(policy.excludeTables().get(i)));
            }
            y.append("]\n");
        }
        if (policy.requireEveryColumn()) {
            y.append(in).append("unruled-columns: refuse-all\n");
        }
        y.append(in).append("bcrypt-cost: ").append(policy.bcryptCost()).append('\n');
        if (policy.stagingPassword().isPresent()) {
            y.append(in).append("staging-password: ${env:RESTAGE_STAGING_PASSWORD}\n");
        }
        if (policy.admin() != null) {
            y.append(in).append("# admin: as configured (its match value and password are secrets, not repeated here)\n");
        }
        y.append(in).append("tables:\n");
        tables.forEach((table, cols) -> {
            y.append(in).append("  ").append(quote(table)).append(":\n");
            cols.forEach((col, rule) -> {
                y.append(in).append("    ").append(quote(col)).append(": ").append(rule);
                String comment = comments.get(table + "." + col);
                if (comment != null) {
                    y.append("   # ").append(comment);
                }
                y.append('\n');
            });
        });
        return y.toString();
    }

    /** A YAML double-quoted scalar (names and values are always quoted: no YAML type guessing, no surprises). */
    static String quote(String v) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : v.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                default -> sb.append(c);
            }
        }
        return sb.append('"').toString();
    }

    private PolicyDraft() {
    }
}
