package io.restage.anonymizer.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.restage.common.batch.Column;
import io.restage.common.config.AdminRewrite;
import io.restage.common.config.PolicyConfig;
import io.restage.common.config.RuleConfig;
import io.restage.common.config.Secret;
import io.restage.common.policy.TableRules;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The export forwards a table to the importer itself when {@link TableRules} says nothing changes it; the anonymizer
 * forwards it unchanged when its compiled {@link TablePlan} is the identity. Both must decide alike, and report the same
 * rules as ran and skipped, or a table would either reach the target without its rules or be reported differently.
 */
class TablePlanTest {
    private static final List<Column> COLS = List.of(new Column("id", "bigint"), new Column("email", "text"),
            new Column("name", "text"), new Column("notes", "text"));

    private static RuleConfig rule(String table, String column, String transformer) {
        return new RuleConfig(table, column, transformer, Map.of(), "tables");
    }

    private static PolicyConfig policy(AdminRewrite admin, RuleConfig... rules) {
        Map<String, List<RuleConfig>> byTable = new java.util.LinkedHashMap<>();
        for (RuleConfig r : rules) {
            byTable.computeIfAbsent(r.table(), t -> new java.util.ArrayList<>()).add(r);
        }
        return new PolicyConfig(new Secret("0123456789abcdef0"), null, List.of(), byTable, admin, new Secret("staging-pw"), 4);
    }

    static Stream<Arguments> cases() {
        AdminRewrite admin = new AdminRewrite("public.t", "email", new Secret("boss@corp.com"), "email", "admin@staging.invalid",
                null, null);
        return Stream.of(
                // what, policy, skip list, unchanged, ran, skipped
                Arguments.of("no rules", policy(null), List.of(), true, List.of(), List.of()),
                Arguments.of("rules of another table", policy(null, rule("public.u", "email", "email")), List.of(), true,
                        List.of(), List.of()),
                Arguments.of("keep only", policy(null, rule("public.t", "email", "keep"), rule("public.t", "name", "keep")),
                        List.of(), true, List.of("public.t.email:keep", "public.t.name:keep"), List.of()),
                Arguments.of("a rewriting rule", policy(null, rule("public.t", "email", "email")), List.of(), false,
                        List.of("public.t.email:email"), List.of()),
                Arguments.of("keep beside a rewrite", policy(null, rule("public.t", "name", "keep"), rule("public.t", "email", "email")),
                        List.of(), false, List.of("public.t.name:keep", "public.t.email:email"), List.of()),
                Arguments.of("the rewrite skipped by id", policy(null, rule("public.t", "email", "email"), rule("public.t", "name", "keep")),
                        List.of("public.t.email"), true, List.of("public.t.name:keep"), List.of("public.t.email:email")),
                Arguments.of("the rewrite skipped by transformer", policy(null, rule("public.t", "notes", "scrub")),
                        List.of("scrub"), true, List.of(), List.of("public.t.notes:scrub")),
                Arguments.of("a rule on a column the batches lack", policy(null, rule("public.t", "phone", "phone")), List.of(),
                        true, List.of(), List.of()),
                Arguments.of("the admin rewrite", policy(admin, rule("public.t", "name", "keep")), List.of(), false,
                        List.of("public.t.name:keep", "public.t:admin-rewrite"), List.of()),
                Arguments.of("the admin rewrite with every rule skipped", policy(admin, rule("public.t", "notes", "scrub")),
                        List.of("scrub"), false, List.of("public.t:admin-rewrite"), List.of("public.t.notes:scrub")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void theExportAndTheAnonymizerDecideAlike(String what, PolicyConfig policy, List<String> skip, boolean unchanged,
                                              List<String> ran, List<String> skipped) {
        TableRules rules = TableRules.of(policy, "public.t", COLS, skip);
        TablePlan plan = TablePlan.compile(policy, "public.t", COLS, skip);
        assertEquals(new TableRules(unchanged, ran, skipped), rules, "the export's decision");
        assertEquals(new TableRules(plan.isIdentity(), plan.ran(), plan.skipped()), rules, "the anonymizer's decision");
    }
}
