package io.restage.common.policy;

import io.restage.common.batch.Column;
import io.restage.common.config.AdminRewrite;
import io.restage.common.config.PolicyConfig;
import io.restage.common.config.RuleConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * Which of a policy's rules apply to one table's batches, and whether any of them changes a value. The export and the
 * anonymizer decide this the same way: a table whose rules all {@code keep} (or that has none, or whose rewriting rules
 * were all skipped by request) leaves the anonymizer byte for byte as it came in, so the export sends it to the importer
 * directly, signed, and reports it anonymized with the same lists of rules that ran and were skipped.
 * <p>
 * A rule on a column the batches do not carry (excluded, or dropped from the source) does not apply. A rule is skipped
 * when the request names its id ({@code schema.table.column}) or its transformer. The admin rewrite changes its table.
 */
public record TableRules(boolean unchanged, List<String> ran, List<String> skipped) {

    public TableRules {
        ran = List.copyOf(ran);
        skipped = List.copyOf(skipped);
    }

    /** The label a rule is reported under ({@code schema.table.column:transformer}). */
    public static String label(RuleConfig rule) {
        return rule.id() + ":" + rule.transformer();
    }

    /** Whether the request's skip list names the rule (by id or transformer). */
    public static boolean skipped(RuleConfig rule, List<String> skip) {
        return skip.contains(rule.id()) || skip.contains(rule.transformer());
    }

    public static TableRules of(PolicyConfig policy, String table, List<Column> columns, List<String> skip) {
        boolean unchanged = true;
        List<String> ran = new ArrayList<>();
        List<String> skippedRules = new ArrayList<>();
        for (RuleConfig rule : policy.rulesFor(table)) {
            if (columns.stream().noneMatch(c -> c.name().equals(rule.column()))) {
                continue;
            }
            if (skipped(rule, skip)) {
                skippedRules.add(label(rule));
                continue;
            }
            ran.add(label(rule));
            if (!rule.transformer().equals("keep")) {
                unchanged = false;
            }
        }
        AdminRewrite admin = policy.admin();
        if (admin != null && admin.table().equals(table)) {
            ran.add(table + ":admin-rewrite");
            unchanged = false;
        }
        return new TableRules(unchanged, ran, skippedRules);
    }
}
