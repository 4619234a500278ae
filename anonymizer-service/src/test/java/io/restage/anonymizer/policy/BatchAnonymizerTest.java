package io.restage.anonymizer.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restage.anonymizer.transform.TransformContext;
import io.restage.common.batch.Column;
import io.restage.common.config.AdminRewrite;
import io.restage.common.config.PolicyConfig;
import io.restage.common.config.RuleConfig;
import io.restage.common.config.Secret;
import io.restage.common.policy.LeakFingerprints;
import java.util.Arrays;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BatchAnonymizerTest {
    private static final List<Column> COLS = List.of(new Column("id", "bigint"), new Column("email", "text"),
            new Column("full_name", "text"), new Column("password_hash", "text"), new Column("updated_at", "timestamp with time zone"));
    private static final PolicyConfig POLICY = new PolicyConfig(new Secret("0123456789abcdef0"), null, List.of(),
            Map.of("public.users", List.of(
                    new RuleConfig("public.users", "email", "email", Map.of(), "tables"),
                    new RuleConfig("public.users", "full_name", "person-name", Map.of(), "tables"),
                    new RuleConfig("public.users", "password_hash", "password", Map.of(), "tables"))),
            new AdminRewrite("public.users", "email", new Secret("boss@corp.com"), "email", "admin@staging.invalid",
                    "password_hash", new Secret("admin-pw")), new Secret("staging-pw"), 4);
    private static final TransformContext CTX = new TransformContext("0123456789abcdef0",
            (random, cost) -> random ? "$2a$04$randomhash" : "$2a$04$staginghash", 4);
    private static final byte[] KEY = LeakFingerprints.key("0123456789abcdef0", "refresh-1");

    private static byte[] rows(String... rows) {
        return (String.join("\n", rows) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void shouldRewriteRuledColumnsAndCopyTheRestByteForByte() {
        TablePlan plan = TablePlan.compile(POLICY, "public.users", COLS, List.of());
        byte[] in = rows("7\tjane@corp.com\tJane Doe\t$2a$10$x\t2023-03-01 10:00:00+00",
                "8\t\\N\tTab\\tName\t\\N\t2023-03-02 10:00:00+00");
        String out = new String(BatchAnonymizer.anonymize(plan, in, CTX, "$2a$04$adminhash", KEY).payload(), StandardCharsets.UTF_8);
        String[] lines = out.split("\n");
        assertEquals(2, lines.length);
        String[] f = lines[0].split("\t", -1);
        assertEquals("7", f[0]);
        assertTrue(f[1].endsWith("@staging.invalid"));
        assertFalse(out.contains("jane@corp.com") || out.contains("Jane Doe"));
        assertEquals("$2a$04$staginghash", f[3]);
        assertEquals("2023-03-01 10:00:00+00", f[4], "untouched columns are copied as they were");
        String[] g = lines[1].split("\t", -1);
        assertEquals("\\N", g[1], "NULL email stays NULL");
        assertEquals("\\N", g[3], "NULL password stays NULL");
    }

    @Test
    void shouldRewriteTheAdminRowInPlaceKeepingItsId() {
        TablePlan plan = TablePlan.compile(POLICY, "public.users", COLS, List.of());
        byte[] in = rows("1\tboss@corp.com\tThe Boss\t$2a$10$y\t2023-01-01 00:00:00+00");
        BatchAnonymizer.Result r = BatchAnonymizer.anonymize(plan, in, CTX, "$2a$04$adminhash", KEY);
        String[] f = new String(r.payload(), StandardCharsets.UTF_8).trim().split("\t", -1);
        assertEquals(1, r.adminMatches());
        assertEquals("1", f[0]);
        assertEquals("admin@staging.invalid", f[1]);
        assertEquals("$2a$04$adminhash", f[3]);
        assertFalse(f[2].contains("Boss"), "the admin's other personal columns are still anonymized");
    }

    @Test
    void skippedRulesShouldBeReportedAndLeaveTheColumnAsItWas() {
        TablePlan plan = TablePlan.compile(POLICY, "public.users", COLS, List.of("public.users.full_name"));
        assertTrue(plan.skipped().contains("public.users.full_name:person-name"));
        assertFalse(plan.ran().stream().anyMatch(x -> x.startsWith("public.users.full_name")));
        String out = new String(BatchAnonymizer.anonymize(plan, rows("7\tj@c.com\tJane Doe\tx\t2023"), CTX, "h", KEY).payload(),
                StandardCharsets.UTF_8);
        assertTrue(out.contains("Jane Doe"));
    }

    @Test
    void shouldRefuseATransformerOnAColumnTypeItCannotWrite() {
        List<Column> cols = List.of(new Column("id", "bigint"), new Column("email", "integer"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TablePlan.compile(POLICY, "public.users", cols, List.of()));
        assertTrue(e.getMessage().contains("public.users.email") && e.getMessage().contains("integer"), e.getMessage());
    }

    @Test
    void tablesWithoutRulesPassThroughUnchanged() {
        TablePlan plan = TablePlan.compile(POLICY, "public.orgs", List.of(new Column("id", "bigint")), List.of());
        byte[] in = rows("1", "2");
        assertEquals(in, BatchAnonymizer.anonymize(plan, in, CTX, null, KEY).payload());
    }

    @Test
    void shouldFingerprintTheSourceValuesOfAuditedRulesOnly() {
        TablePlan plan = TablePlan.compile(POLICY, "public.users", COLS, List.of());
        byte[] in = rows("1\tboss@corp.com\tThe Boss\t$2a$10$y\t2023",
                "2\tJane@Corp.com \tJane Doe\t\\N\t2023",
                "3\tjane@corp.com\tJane Doe\tabc\t2023");
        BatchAnonymizer.Result r = BatchAnonymizer.anonymize(plan, in, CTX, "$2a$04$adminhash", KEY);
        long[] fps = Arrays.copyOf(r.fingerprints(), r.fingerprintCount());
        for (String v : List.of("boss@corp.com", "jane@corp.com", "the boss", "jane doe", "$2a$10$y")) {
            assertTrue(Arrays.binarySearch(fps, LeakFingerprints.of(KEY, v)) >= 0, "fingerprint of " + v);
        }
        assertEquals(5, r.fingerprintCount(), "distinct, normalised (case, trailing space), short values ('abc') left out");
        assertFalse(Arrays.binarySearch(fps, LeakFingerprints.of(LeakFingerprints.key("0123456789abcdef0", "refresh-2"),
                "jane@corp.com")) >= 0, "another refresh has other fingerprints");
        TablePlan skipping = TablePlan.compile(POLICY, "public.users", COLS, List.of("email", "person-name", "password"));
        assertEquals(0, BatchAnonymizer.anonymize(skipping, in, CTX, "h", KEY).fingerprintCount(),
                "skipped rules are neither applied nor fingerprinted");
    }
}
